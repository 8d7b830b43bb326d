import pytest
from django.test import Client

from beiyang.events.models import Registration
from beiyang.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_founder_taps_register_on_the_page(founder):
    user, _company, _api = founder
    event = EventFactory(capacity=1)
    client = Client()
    client.force_login(user)
    assert "模速路演日" in client.get("/events/").content.decode()
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert 'id="register-button"' in page
    panel = client.post(f"/events/{event.pk}/register/", headers={"HX-Request": "true"}).content.decode()
    assert "<svg" in panel and Registration.objects.get(user=user).checkin_code in panel
    panel = client.post(f"/events/{event.pk}/cancel/", headers={"HX-Request": "true"}).content.decode()
    assert 'id="register-button"' in panel
    assert client.get("/events/mine/").status_code == 200


def test_errors_show_in_the_panel(founder, make_founder):
    user, _company, _api = founder
    event = EventFactory(capacity=1, waitlist_enabled=False)
    make_founder()[2].post(f"events/{event.pk}/registrations")
    client = Client()
    client.force_login(user)
    panel = client.post(f"/events/{event.pk}/register/", headers={"HX-Request": "true"}).content.decode()
    assert "名额已满" in panel


def test_check_in_desk(founder, make_staff):
    user, _company, api = founder
    event = EventFactory()
    code = api.post(f"events/{event.pk}/registrations").json()["checkin_code"]
    manager, _ = make_staff("event_manager")
    client = Client()
    client.force_login(manager)
    assert client.get(f"/events/{event.pk}/").status_code == 200
    assert client.get(f"/staff/events/{event.pk}/checkin/").status_code == 200
    # Not within check-in hours yet (the event is days away): refused, saying when it opens.
    result = client.post(
        f"/staff/events/{event.pk}/checkin/", {"code": code}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "签到将于" in result and "开放" in result
    founder_client = Client()
    founder_client.force_login(user)
    assert founder_client.get(f"/staff/events/{event.pk}/checkin/").status_code == 403


def test_anonymous_sees_login_to_register():
    event = EventFactory()
    page = Client().get(f"/events/{event.pk}/").content.decode()
    assert "/login/?next=" in page
    assert Client().get("/events/999999/").status_code == 404
