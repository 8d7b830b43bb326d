"""A scan at the check-in desk updates the attendee list too (issue 26: after a scan the list
still said 已报名 with a 签到 button until the page was reloaded)."""

from __future__ import annotations

import datetime as dt

from conftest import page_client
from django.utils import timezone

from beiyang.events.models import Registration
from beiyang.events.tests.factories import EventFactory


def test_a_scan_replaces_the_attendees_row(founder, make_staff):
    user, _company, api = founder
    now = timezone.now()
    event = EventFactory(starts_at=now + dt.timedelta(minutes=10), ends_at=now + dt.timedelta(hours=2))
    code = api.post(f"events/{event.pk}/registrations").json()["checkin_code"]
    registration = Registration.objects.get(user=user, event=event)
    manager, _ = make_staff("event_manager")
    client = page_client(manager)
    desk = client.get(f"/staff/events/{event.pk}/checkin/").content.decode()
    assert f'id="attendee-{registration.pk}"' in desk
    result = client.post(
        f"/staff/events/{event.pk}/checkin/", {"code": code}, headers={"HX-Request": "true"}
    ).content.decode()
    row = result.split(f'id="attendee-{registration.pk}"')[1].split("</li>")[0]
    assert 'hx-swap-oob="true"' in row and "✓" in row
    assert 'name="code"' not in row  # no 签到 button left on a checked-in row
