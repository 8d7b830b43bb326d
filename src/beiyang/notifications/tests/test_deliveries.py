import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading

import pytest
from django.core import mail
from django.utils import timezone

from beiyang.accounts import sms
from beiyang.notifications.actions import (
    RETRY_BASE_SECONDS,
    do_attempt_delivery,
    do_prepare_deliveries,
    do_send_message,
    do_set_preferences,
    quiet_until,
)
from beiyang.notifications.models import ChannelPreference, Delivery, Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_message_goes_to_the_inbox_then_email_and_sms(founder, email_backend, settings):
    user, _company, _api = founder
    user.email = "lin@example.cn"
    user.save()
    message = do_send_message(
        user.pk,
        kind="event",
        template="events.registration_confirmed",
        context={"event": "模速路演日", "when": "12月5日", "venue": "路演厅", "code": "ABCD2345"},
    )
    assert Message.objects.filter(pk=message.pk).exists()
    statuses = dict(Delivery.objects.filter(message=message).values_list("channel", "status"))
    assert statuses == {"email": "sent", "sms": "sent"}
    assert mail.outbox[0].subject == "报名成功:模速路演日" and "lin@example.cn" in mail.outbox[0].to
    # The notice template: its kind and a link to the message at the town's address.
    link = f"{settings.SITE_URL}/me/messages/{message.pk}/"
    assert sms.outbox[-1]["params"] == {"kind": "活动", "link": link}
    assert sms.outbox[-1]["text"] == f"【北杨小镇】您有一条来自北杨人工智能创新小镇的活动消息,请查看:{link}"


def test_preferences_language_and_opt_out(founder, email_backend):
    user, _company, api = founder
    user.email = "lin@example.cn"
    user.save()
    resp = api.put("me/notification-preferences", {"sms": False, "language": "en"})
    assert resp.status_code == 200 and resp.json()["sms"] is False
    do_send_message(
        user.pk,
        kind="event",
        template="events.registration_cancelled",
        context={"event": "路演日", "event_en": "Roadshow"},
    )
    assert mail.outbox[0].subject == "Registration cancelled: Roadshow"
    assert sms.outbox == []
    bad = api.put("me/notification-preferences", {"quiet_start": "22:00:00"})
    assert bad.status_code == 400 and bad.json()["field"] == "quiet_end"
    assert api.put("me/notification-preferences", {"language": "fr"}).json()["field"] == "language"


def test_no_email_address_is_skipped_not_retried(founder, email_backend):
    user, _company, _api = founder
    message = do_send_message(user.pk, kind="system", title="t")
    assert Delivery.objects.get(message=message, channel="email").status == "skipped"


def test_gateway_failures_retry_with_backoff_then_fail(founder, settings):
    user, _company, _api = founder
    settings.SMS_BACKEND = "beiyang.accounts.sms.HttpSmsBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    ChannelPreference.objects.create(user=user, email=False)
    message = do_send_message(user.pk, kind="system", title="t", channels=False)
    [delivery_id] = do_prepare_deliveries(message.pk)
    now = timezone.now()
    waits = []
    for _ in range(6):
        _status, retry_at = do_attempt_delivery(delivery_id, now=now)
        if retry_at:
            waits.append((retry_at - now).total_seconds())
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "failed" and delivery.attempts == 6 and delivery.last_error
    assert waits == [RETRY_BASE_SECONDS * 2**i for i in range(5)]


def test_quiet_hours_hold_sms_until_morning(founder):
    user, _company, _api = founder
    do_set_preferences(user, email=False, quiet_start=dt.time(22), quiet_end=dt.time(8))
    message = do_send_message(user.pk, kind="system", title="t", channels=False)
    [delivery_id] = do_prepare_deliveries(message.pk)
    night = timezone.make_aware(dt.datetime(2026, 12, 1, 23, 30))
    status, retry_at = do_attempt_delivery(delivery_id, now=night)
    assert (
        status == "queued"
        and timezone.localtime(retry_at).hour == 8
        and retry_at.date() == dt.date(2026, 12, 2)
    )
    assert sms.outbox == []
    status, _ = do_attempt_delivery(delivery_id, now=retry_at)
    assert status == "sent" and len(sms.outbox) == 1


def test_quiet_window_arithmetic():
    pref = ChannelPreference(quiet_start=dt.time(12), quiet_end=dt.time(14))
    noon = timezone.make_aware(dt.datetime(2026, 12, 1, 12, 30))
    assert timezone.localtime(quiet_until(pref, noon)).hour == 14
    assert quiet_until(pref, timezone.make_aware(dt.datetime(2026, 12, 1, 15))) is None


def test_outbound_webhook_is_signed(founder, settings):
    user, _company, _api = founder
    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(
                (self.headers["X-Beiyang-Signature"], self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.NOTIFY_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/hook"
        settings.NOTIFY_WEBHOOK_SECRET = "webhook-secret-shared-with-the-receiver-0123"
        do_set_preferences(user, email=False, sms=False, webhook=True)
        message = do_send_message(user.pk, kind="event", title="报名成功")
        assert Delivery.objects.get(message=message, channel="webhook").status == "sent"
        signature, raw = received[0]
        assert json.loads(raw)["title"] == "报名成功"
        # The receiver recomputes the HMAC over the exact bytes with the shared secret.
        expected = hmac.new(settings.NOTIFY_WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature, expected)
        forged = hmac.new(b"another-secret", raw, hashlib.sha256).hexdigest()
        assert not hmac.compare_digest(signature, forged)
    finally:
        server.shutdown()


def test_dedupe_key_sends_once(founder):
    user, _company, _api = founder
    assert do_send_message(user.pk, kind="benefit", title="a", dedupe_key="k") is not None
    assert do_send_message(user.pk, kind="benefit", title="a", dedupe_key="k") is None


def test_inbox_api(founder):
    user, _company, api = founder
    message = do_send_message(user.pk, kind="system", title="你好", channels=False)
    body = api.get("me/messages").json()
    assert body["unread"] == 1 and body["messages"][0]["title"] == "你好"
    assert api.post(f"me/messages/{message.pk}/read").json()["read_at"]
    assert api.get("me/messages").json()["unread"] == 0
    assert api.post("me/messages/999999/read").status_code == 404
