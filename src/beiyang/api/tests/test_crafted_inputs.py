"""Crafted inputs found by attacking a running server, each of which used to answer 500.

Each one now answers a 4xx in the API's error shape (a page: a 400 page)."""

import pytest
from conftest import assert_api_error
from django.test import Client

from beiyang.web.tests.test_asgi import asgi_get

pytestmark = pytest.mark.django_db(transaction=True)
TOO_BIG = str(2**63)  # one past SQLite's and PostgreSQL's largest integer


@pytest.mark.parametrize("raw", ["%C2%B2", "%D9%A3", "１２", TOO_BIG, "-1", "1e3"])
def test_stream_last_event_id_that_is_not_a_message_id(founder, raw):
    _user, _company, api = founder
    resp = Client().get(
        f"/api/v1/me/messages/stream?last_event_id={raw}", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert assert_api_error(resp, 400)["code"] == "invalid_last_event_id"


@pytest.mark.parametrize("assignee", [TOO_BIG, "99999999999999999999999", "abc", "²", "-3", "1.5"])
def test_queue_assignee_that_is_not_a_user_id(make_staff, assignee):
    reviewer, api = make_staff("reviewer")
    assert assert_api_error(api.get(f"staff/applications?assignee={assignee}"), 400)["field"] == "assignee"
    page = Client()
    page.force_login(reviewer)
    resp = page.get("/staff/applications/", {"assignee": assignee})
    assert resp.status_code == 400 and "assignee" in resp.content.decode()


def test_queue_assignee_still_filters(make_staff):
    _reviewer, api = make_staff("reviewer")
    for good in ("me", "none", "", "12"):
        assert api.get(f"staff/applications?assignee={good}").status_code == 200


@pytest.mark.parametrize("ids", [[2**63], [-(2**63) - 1], [1, 2**64]])
def test_cohort_company_ids_out_of_range(make_staff, ids):
    _admin, admin = make_staff("town_admin")
    resp = admin.post("staff/cohort-assignments", {"company_ids": ids})
    assert assert_api_error(resp, 422)["field"].startswith("company_ids")


@pytest.mark.parametrize(
    "query", ["start=0001-01-01T00:00:00", "end=0001-01-01T00:00:00", "start=9999-12-31T23:59:59"]
)
def test_events_at_the_ends_of_time(api, query):
    assert assert_api_error(api.get(f"events?{query}"), 422)["field"] in ("start", "end")


@pytest.mark.parametrize(
    "raw_path",
    [
        "/static/..%2f..%2fbeiyang.sqlite3",
        "/static/..%2f..%2f..%2fetc/passwd",
        "/static/%2e%2e/settings.py",
    ],
)
def test_static_path_traversal(raw_path):
    from beiyang import asgi

    assert asgi_get(asgi.application, raw_path)[0]["status"] == 404


@pytest.mark.parametrize("application_id", [TOO_BIG, "x", ""])
def test_queue_form_with_an_application_id_that_is_not_one(make_staff, application_id):
    reviewer, _api = make_staff("reviewer")
    page = Client()
    page.force_login(reviewer)
    resp = page.post(
        "/staff/applications/", {"application_id": application_id, "step": "assign_me"}, follow=True
    )
    assert resp.status_code == 200 and "应为编号" in resp.content.decode()


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_a_page_form_with_broken_multipart_is_a_400_page(founder, content_type):
    user, _company, _api = founder
    page = Client(enforce_csrf_checks=True)
    page.force_login(user)
    page.get("/applications/")
    token = page.cookies["csrftoken"].value
    resp = page.generic(
        "POST", "/applications/", b"--x\r\n\r\n", content_type=content_type, headers={"X-CSRFToken": token}
    )
    assert resp.status_code == 400


@pytest.mark.parametrize("assignee", ["²", "99999999999999999999", TOO_BIG, "-3", "１２"])
def test_service_queue_assignee_that_is_not_a_user_id(make_staff, assignee):
    officer, api = make_staff("service_officer")
    body = assert_api_error(api.get(f"staff/service-requests?assignee={assignee}"), 400)
    assert body["field"] == "assignee" and body["message"] and body["message_en"]
    page = Client()
    page.force_login(officer)
    resp = page.get("/staff/service/", {"assignee": assignee})
    assert resp.status_code == 400 and "assignee" in resp.content.decode()


@pytest.mark.parametrize("ids", [[2**63], [9223372036854775808], [0], [-1], [1, 2**64]])
def test_officer_assignments_company_ids_out_of_range(make_staff, ids):
    _admin, admin = make_staff("town_admin")
    resp = admin.post("staff/officer-assignments", {"company_ids": ids})
    assert assert_api_error(resp, 422)["field"].startswith("company_ids")


@pytest.mark.parametrize("officer_id", ["²", "١", TOO_BIG, "-1", "x"])
def test_portal_reassign_to_an_officer_id_that_is_not_one(make_founder, make_staff, officer_id):
    officer, _officer_api = make_staff("service_officer")
    _user, company, client = make_founder()
    opened = client.post("service-requests", {"category": "policy", "title": "咨询", "description": "问题"})
    assert opened.status_code == 201, opened.content
    _admin, admin = make_staff("town_admin")
    assert admin.put(f"staff/companies/{company.pk}/officer", {"user_id": officer.pk}).status_code == 200
    page = Client()
    page.force_login(officer)
    resp = page.post(
        f"/staff/service/{opened.json()['id']}/", {"step": "reassign", "officer_id": officer_id}, follow=True
    )
    assert resp.status_code == 200 and "服务专员应为编号" in resp.content.decode()
