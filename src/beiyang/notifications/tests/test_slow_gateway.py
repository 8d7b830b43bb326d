"""A slow gateway and two workers: each delivery reaches the phone once.

A worker claims a batch under one lease and sends it one delivery after another; with a
gateway slower than the lease allows for the whole batch, the tail of the batch outlives its
lease, another worker (or the sweep) takes it over, and both send it."""

import collections
import threading
import time

import pytest
from django.db import connections

from beiyang.accounts import sms
from beiyang.notifications import senders
from beiyang.notifications.actions import (
    do_prepare_deliveries,
    do_send_deliveries,
    do_send_due_deliveries,
    do_send_message,
    do_set_preferences,
)
from beiyang.notifications.models import Delivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


class SlowSmsBackend(sms.SmsBackend):
    """A gateway that takes ``delay`` seconds a call and counts the calls per delivery."""

    delay = 0.0
    calls: collections.Counter = collections.Counter()
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
        time.sleep(self.delay)
        with cls.lock:
            cls.in_flight -= 1
            cls.calls[idempotency_key] += 1
        return f"slow-{idempotency_key}"


@pytest.fixture
def slow_gateway(settings):
    settings.SMS_BACKEND = f"{__name__}.SlowSmsBackend"
    SlowSmsBackend.calls = collections.Counter()
    SlowSmsBackend.most_in_flight = 0
    return SlowSmsBackend


def queued_sms(make_founder, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        user, _company, _api = make_founder(with_company=False)
        do_set_preferences(user, email=False)
        message = do_send_message(user.pk, kind="system", title="t", channels=False)
        ids += do_prepare_deliveries(message.pk)
    return ids


def test_a_batch_outliving_its_lease_is_not_sent_twice(make_founder, slow_gateway, settings):
    settings.DELIVERY_LEASE_SECONDS = 1
    slow_gateway.delay = 0.15
    ids = queued_sms(make_founder, 16)  # 16 x 0.15 s = 2.4 s for one worker: past the lease
    stop = threading.Event()

    def first_worker():
        try:
            do_send_deliveries()
        finally:
            connections.close_all()

    def second_worker():  # the sweep of another worker, every tenth of a second
        try:
            while not stop.is_set():
                do_send_due_deliveries()
                stop.wait(0.1)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_worker), threading.Thread(target=second_worker)]
    for thread in threads:
        thread.start()
    threads[0].join(timeout=30)
    deadline = time.monotonic() + 10
    while (
        Delivery.objects.filter(pk__in=ids, status=Delivery.QUEUED).exists() and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    stop.set()
    threads[1].join(timeout=30)

    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Delivery.SENT}
    sent_twice = {key: n for key, n in slow_gateway.calls.items() if n > 1}
    assert sent_twice == {}
    assert sum(slow_gateway.calls.values()) == len(ids)


def test_the_worker_pool_sends_a_batch_in_parallel_once_each(make_founder, slow_gateway, settings):
    settings.DELIVERY_SENDERS = 8
    slow_gateway.delay = 0.2
    ids = queued_sms(make_founder, 16)
    senders.start_pool()
    try:
        assert do_send_deliveries()["tried"] == 16
    finally:
        senders.stop_pool()  # waits for the sends in hand
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Delivery.SENT}
    assert sorted(slow_gateway.calls.values()) == [1] * 16
    # The calls overlapped (one after another, one would be in flight at a time), and never
    # more than the pool's threads.
    assert 2 <= slow_gateway.most_in_flight <= 8
