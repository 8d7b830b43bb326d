"""Security headers: a Content-Security-Policy on pages that the pages actually keep to, and
no caching of what a signed-in caller is answered."""

import re

import pytest
from django.test import Client

from beiyang.events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _policy(resp) -> dict[str, str]:
    header = resp.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def _pages(founder, make_staff) -> list:
    user, _company, _api = founder
    staff, _ = make_staff("event_manager")
    event = EventFactory()
    founder_browser, staff_browser = Client(), Client()
    founder_browser.force_login(user)
    staff_browser.force_login(staff)
    return [
        Client().get("/"),
        Client().get("/login/?mode=sms"),
        founder_browser.get("/agent/"),
        founder_browser.post("/agent/", {"text": "我想报名活动"}),
        founder_browser.get("/events/mine/"),
        staff_browser.get(f"/staff/events/{event.pk}/checkin/"),
    ]


def test_pages_carry_a_csp_that_their_scripts_keep_to(founder, make_staff):
    for resp in _pages(founder, make_staff):
        assert resp.status_code == 200
        policy = _policy(resp)
        script = policy.get("script-src", "")
        assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, resp.request
        assert policy.get("object-src") == "object-src 'none'" and "frame-ancestors" in policy
        html = resp.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", script)
        for tag in re.findall(r"<script\b[^>]*>", html):
            # Every script is either a file of our own or carries this response's nonce.
            assert "src=" in tag or (nonce and f'nonce="{nonce.group(1)}"' in tag), tag
        # Inline handlers run only with 'unsafe-inline', hx-on only with 'unsafe-eval'.
        assert not re.search(r"\son[a-z]+=", html) and "hx-on" not in html, resp.request["PATH_INFO"]


def test_each_page_gets_its_own_nonce():
    first, second = (_policy(Client().get("/")).get("script-src") for _ in range(2))
    assert first != second


def test_answers_to_a_signed_in_caller_are_not_stored(founder):
    _user, _company, api = founder
    for path in ("me", "me/messages", "me/tokens"):
        resp = api.get(path)
        assert resp.status_code == 200 and "no-store" in resp.headers.get("Cache-Control", ""), path
    public = Client().get("/api/v1/events")
    assert "no-store" not in public.headers.get("Cache-Control", "")


def test_portal_pages_and_staff_exports_are_not_stored(founder, make_staff):
    """Pages (a signed-in founder's, a staff member's, the login page with its CSRF token) and
    the staff's spreadsheets carried no Cache-Control: a shared proxy could keep them."""
    user, _company, _api = founder
    officer, _ = make_staff("service_officer")
    staff_browser, founder_browser = Client(), Client()
    staff_browser.force_login(officer)
    founder_browser.force_login(user)
    answers = [
        Client().get("/"),
        Client().get("/login/?mode=sms"),
        founder_browser.get("/me/"),
        founder_browser.get("/events/mine/"),
        staff_browser.get("/staff/service/"),
        staff_browser.get("/staff/service/?export=csv"),
        staff_browser.get("/staff/service/?export=xlsx"),
    ]
    for resp in answers:
        assert resp.status_code == 200, resp.request
        directives = {d.strip() for d in resp.headers.get("Cache-Control", "").split(",")}
        assert {"no-store", "private"} <= directives, (resp.request["PATH_INFO"], directives)
