"""The outbox: deliveries are rows written with their message, sent outside any transaction,
and sent again when their wake-up or their worker is lost."""

import datetime as dt
import threading

import pytest
from django.db import transaction
from django.utils import timezone

from beiyang.accounts import sms
from beiyang.core.tests.threads import at_once
from beiyang.events.actions import do_register
from beiyang.events.tests.factories import EventFactory
from beiyang.notifications import tasks
from beiyang.notifications.actions import (
    do_attempt_delivery,
    do_claim_deliveries,
    do_prepare_deliveries,
    do_send_deliveries,
    do_send_due_deliveries,
    do_send_message,
    do_set_preferences,
    lease,
)
from beiyang.notifications.models import Delivery, Message

pytestmark = pytest.mark.django_db(transaction=True)


class HangingSmsBackend(sms.SmsBackend):
    """A gateway that hangs for one number until the test lets it go."""

    hang_for = ""
    entered = threading.Event()
    release = threading.Event()

    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        if phone == self.hang_for:
            type(self).entered.set()
            type(self).release.wait(timeout=60)
        return sms.LocmemSmsBackend().send(phone, text, idempotency_key)


@pytest.fixture
def sms_delivery(founder) -> int:
    """A message's one delivery (SMS), written and not yet tried."""
    user, _company, _api = founder
    do_set_preferences(user, email=False)
    message = do_send_message(user.pk, kind="system", title="t", channels=False)
    [delivery_id] = do_prepare_deliveries(message.pk)
    return delivery_id


def test_a_hanging_gateway_does_not_hold_up_a_registration(make_founder, settings):
    settings.SMS_BACKEND = f"{__name__}.HangingSmsBackend"
    HangingSmsBackend.entered.clear()
    HangingSmsBackend.release.clear()
    waiting, _company, _api = make_founder()
    tapping, _company, _api = make_founder()
    HangingSmsBackend.hang_for = waiting.phone
    do_set_preferences(waiting, email=False)
    message = do_send_message(waiting.pk, kind="system", title="t", channels=False)
    [delivery_id] = do_prepare_deliveries(message.pk)
    event = EventFactory(capacity=5)
    registered = threading.Event()
    errors = []

    def worker():
        try:
            do_attempt_delivery(delivery_id)
        finally:
            from django.db import connection

            connection.close()

    def tap():
        try:
            do_register(tapping, event.pk)
            registered.set()
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            from django.db import connection

            connection.close()

    sender = threading.Thread(target=worker)
    sender.start()
    try:
        assert HangingSmsBackend.entered.wait(10), "the gateway was never called"
        threading.Thread(target=tap, daemon=True).start()
        # The gateway still hangs: the registration must not be waiting for it (it waited for
        # SQLite's write lock while the worker held it across the call).
        assert registered.wait(15) and not errors, errors
        assert not HangingSmsBackend.release.is_set()
    finally:
        HangingSmsBackend.release.set()
        sender.join(30)
    assert Delivery.objects.get(pk=delivery_id).status == "sent"


def test_message_and_its_deliveries_commit_or_roll_back_together(founder):
    user, _company, _api = founder
    with pytest.raises(RuntimeError), transaction.atomic():
        do_send_message(user.pk, kind="system", title="t")
        assert Delivery.objects.filter(message__user=user).count() == 2
        raise RuntimeError("the change that caused the message failed")
    assert not Message.objects.filter(user=user).exists() and not Delivery.objects.exists()


def test_a_message_made_while_the_queue_is_down_is_delivered_by_the_sweep(founder, monkeypatch):
    user, _company, _api = founder

    def queue_down(_ids):
        raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks, "send_deliveries_task", queue_down)
    message = do_send_message(user.pk, kind="system", title="报名成功")
    assert message is not None and sms.outbox == []
    assert list(Delivery.objects.filter(message=message).values_list("status", flat=True)) == ["queued"] * 2
    monkeypatch.undo()
    assert do_send_due_deliveries() == 2
    statuses = dict(Delivery.objects.filter(message=message).values_list("channel", "status"))
    assert statuses == {"email": "skipped", "sms": "sent"}
    assert (
        sms.outbox[0]["idempotency_key"]
        == Delivery.objects.get(message=message, channel="sms").idempotency_key
    )


def test_a_claim_whose_worker_died_is_sent_again_after_its_lease(sms_delivery):
    delivery_id = sms_delivery
    now = timezone.now()
    _token, claimed = do_claim_deliveries(ids=[delivery_id], now=now)
    assert claimed == [delivery_id]  # ... and the worker dies before sending
    assert do_send_due_deliveries(now=now + lease() - dt.timedelta(seconds=1)) == 0
    assert do_attempt_delivery(delivery_id, now=now)[0] == "queued"  # held: nobody else sends it
    assert sms.outbox == []
    assert do_send_due_deliveries(now=now + lease() + dt.timedelta(seconds=1)) == 1
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "sent" and delivery.attempts == 2 and not delivery.claim_token
    assert [m["idempotency_key"] for m in sms.outbox] == [delivery.idempotency_key]


def test_a_delivery_that_kills_every_worker_runs_out_of_attempts(sms_delivery):
    delivery_id = sms_delivery
    now = timezone.now()
    for i in range(6):
        assert do_claim_deliveries(now=now + i * lease())[1] == [delivery_id]
    assert do_send_due_deliveries(now=now + 7 * lease()) == 0
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "failed" and delivery.last_error and sms.outbox == []


def test_workers_claiming_at_once_never_share_a_delivery(founder):
    user, _company, _api = founder
    do_set_preferences(user, email=False)
    ids = []
    for i in range(12):
        message = do_send_message(user.pk, kind="system", title=f"t{i}", channels=False)
        ids += do_prepare_deliveries(message.pk)
    claims = at_once(6, lambda: do_claim_deliveries(limit=5)[1])
    claimed = [i for c in claims for i in c]
    assert sorted(claimed) == sorted(set(claimed)) and set(claimed) == set(ids)


def test_a_wake_up_does_not_send_before_the_retry_time(sms_delivery, settings):
    settings.SMS_BACKEND = "beiyang.accounts.sms.HttpSmsBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    now = timezone.now()
    status, retry_at = do_attempt_delivery(sms_delivery, now=now)
    assert status == "queued" and retry_at > now
    # A wake-up for the batch's soonest retry names this one too: it waits for its own time.
    assert do_send_deliveries([sms_delivery], now=retry_at - dt.timedelta(seconds=1))["tried"] == 0
    assert do_send_deliveries([sms_delivery], now=retry_at)["tried"] == 1
    assert Delivery.objects.get(pk=sms_delivery).attempts == 2
