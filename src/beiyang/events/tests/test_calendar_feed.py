"""The personal calendar feed: a secret link the founder can replace or turn off."""

import pytest
from django.test import Client

from beiyang.core.models import AuditEntry
from beiyang.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _feed(url: str):
    return Client().get(url)


def test_the_founder_rotates_and_turns_off_the_feed(founder, settings):
    _user, _company, api = founder
    settings.SITE_URL = "https://founders.example.gov.cn"
    event = EventFactory()
    assert api.post(f"events/{event.pk}/registrations").status_code == 201
    first = api.get("me/calendar-feed").json()["url"]
    assert first.startswith("https://founders.example.gov.cn/events/feed/")  # not http://testserver
    assert f"UID:event-{event.pk}@beiyang" in _feed(first).content.decode()

    rotated = api.post("me/calendar-feed").json()["url"]
    assert rotated != first
    assert _feed(first).status_code == 404
    assert _feed(rotated).status_code == 200

    assert api.delete("me/calendar-feed").status_code == 200
    assert _feed(rotated).status_code == 404
    assert api.get("me/calendar-feed").json()["url"] is None
    assert AuditEntry.objects.filter(action_type__startswith="events.calendar_feed.").count() == 2


def test_the_feed_link_on_the_page_can_be_replaced(founder):
    user, _company, _api = founder
    browser = Client()
    browser.force_login(user)
    page = browser.get("/events/mine/").content.decode()
    link = page.split('href="/events/feed/', 1)[1].split('"', 1)[0]
    assert _feed(f"/events/feed/{link}").status_code == 200
    assert browser.post("/events/feed/rotate/").status_code == 302
    assert _feed(f"/events/feed/{link}").status_code == 404
    assert browser.post("/events/feed/off/").status_code == 302
    assert 'href="/events/feed/' not in browser.get("/events/mine/").content.decode()


def test_a_deactivated_founder_s_feed_stops(founder):
    user, _company, api = founder
    url = api.get("me/calendar-feed").json()["url"]
    user.is_active = False
    user.save()
    assert _feed(url).status_code == 404
