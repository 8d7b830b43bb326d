"""Drill: the job queue's Redis is killed during a registration rush and comes back.

Before the outbox, a message whose job could not be queued never got its SMS or email, and
jobs queued in a non-persistent Redis vanished with it. Now the deliveries are rows written
with their messages; the queue only wakes the sender, and the worker's sweep (each minute and
at its start) sends whatever is due once it runs again."""

from __future__ import annotations

import pytest
from huey import RedisHuey

from beiyang.accounts import sms
from beiyang.core.tasks import catch_up
from beiyang.events.tests.factories import EventFactory
from beiyang.notifications.models import Delivery, Message
from beiyang.notifications.tasks import send_deliveries_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.drill]


def test_redis_killed_mid_rush_every_message_gets_its_deliveries(redis_server, make_founder, monkeypatch):
    # The wake-ups go to a real Redis queue that no worker reads yet, as in production between
    # a request and the worker.
    queue = RedisHuey("beiyang-drill", url=redis_server.url)
    queue._registry.register(send_deliveries_task.task_class)
    monkeypatch.setattr(send_deliveries_task, "huey", queue)
    event = EventFactory(capacity=100)
    founders = [make_founder() for _ in range(12)]

    for _user, _company, api in founders[:4]:
        assert api.post(f"events/{event.pk}/registrations").status_code == 201
    assert queue.pending_count() == 4
    redis_server.kill()  # the queued wake-ups vanish with it
    for _user, _company, api in founders[4:]:
        # The queue is down: the tap still answers, its message and deliveries are written.
        assert api.post(f"events/{event.pk}/registrations").status_code == 201
    assert sms.outbox == []
    messages = Message.objects.filter(user__in=[u for u, _c, _a in founders])
    assert messages.count() == 12
    assert Delivery.objects.filter(message__in=messages, channel="sms", status="queued").count() == 12

    redis_server.start()  # empty: nothing of the 4 queued jobs survived
    assert queue.pending_count() == 0
    # A worker starts (or its sweep comes round): every delivery goes out, once.
    assert catch_up()["deliveries"] == 24  # SMS sent, email skipped (no address)
    assert Delivery.objects.filter(message__in=messages, channel="sms", status="sent").count() == 12
    keys = [m["idempotency_key"] for m in sms.outbox]
    assert len(keys) == 12 and len(set(keys)) == 12
    assert catch_up()["deliveries"] == 0
