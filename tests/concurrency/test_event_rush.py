"""Registration rush: with the seat guard off the overbooking race happens; with it on, never.

Threads share nothing but the database, as separate server workers would."""

from functools import partial

import pytest

from beiyang.core.tests.threads import all_at_once
from beiyang.events.actions import do_register
from beiyang.events.models import Registration
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


@pytest.mark.parametrize("guard", [False, True], ids=["guard-off", "guard-on"])
def test_rush(settings, make_founder, guard):
    settings.EVENTS_SEAT_GUARD = guard
    settings.EVENTS_RACE_WINDOW_SECONDS = 0.0 if guard else 0.2
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
