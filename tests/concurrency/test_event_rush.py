"""Registration rush: with the seat guard patched out the overbooking race happens; with it,
never.

The guard is the one path production has: taps on an event settled together by the group
commit, on the event row locked in the transaction (``_registrations``). The test replaces it
with the check-then-write a naive action would do: every founder counts the seats before any
of them writes. Threads share nothing but the database, as separate server workers would."""

import threading
from functools import partial

import pytest
from django.db import transaction
from django.utils import timezone

from beiyang.companies.queries import company_ids_of
from beiyang.core.tests.threads import all_at_once
from beiyang.events import actions
from beiyang.events.actions import do_register
from beiyang.events.models import Event, Registration
from beiyang.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db(transaction=True)
PEOPLE = 16
SEATS = 4


def _rush(users, event_id):
    return [
        e
        for e in all_at_once([partial(do_register, user, event_id) for user in users])
        if isinstance(e, Exception)
    ]


class _CountThenWrite:
    """In place of the group commit and its lock: the seats counted outside the transaction,
    every founder counting before any writes (a barrier, not a sleep, orders the steps)."""

    def __init__(self, people: int) -> None:
        self.counted = threading.Barrier(people)

    def submit(self, event_id: int, tap):
        now = timezone.now()
        event = Event.objects.get(pk=event_id)
        seats = actions._Seats(event)
        self.counted.wait(timeout=30)
        with transaction.atomic(durable=True):
            registration = seats.take(tap, company_ids_of([tap.user.pk]).get(tap.user.pk), now)
            actions._write_registrations(event, [registration])
        return registration, True


@pytest.mark.parametrize("guard", [False, True], ids=["guard-off", "guard-on"])
def test_rush(monkeypatch, make_founder, guard):
    if not guard:
        monkeypatch.setattr(actions, "_registrations", _CountThenWrite(PEOPLE))
    event = EventFactory(capacity=SEATS)
    users = [make_founder()[0] for _ in range(PEOPLE)]
    errors = _rush(users, event.pk)
    confirmed = Registration.objects.filter(event=event, status="confirmed").count()
    if not guard:
        assert confirmed > SEATS, "the race did not show: the test would prove nothing"
        return
    assert errors == []
    assert confirmed == SEATS
    waitlisted = list(Registration.objects.filter(event=event, status="waitlisted").order_by("id"))
    assert len(waitlisted) == PEOPLE - SEATS


def test_double_taps_racing_make_one_registration(founder):
    user, _company, _client = founder
    event = EventFactory(capacity=10)
    errors = _rush([user] * 8, event.pk)
    assert errors == []
    assert Registration.objects.filter(event=event, user=user).count() == 1
