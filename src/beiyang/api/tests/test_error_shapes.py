"""Every error the API gives is its own: ``{code, message, message_en, field?}``, documented."""

import pytest
from conftest import Api, assert_api_error
from django.test import Client

from beiyang.api.tests.test_access_control import PUBLIC, api_routes

pytestmark = pytest.mark.django_db

UNSAFE = [(m, u) for m, u in api_routes() if m in ("post", "put", "patch", "delete") and (m, u) not in PUBLIC]


def _csrf_client(api: Api) -> Api:
    # Django's test client skips CSRF unless asked; a browser or curl does not.
    api.client = Client(enforce_csrf_checks=True)
    return api


@pytest.mark.parametrize(("method", "url"), UNSAFE)
def test_unsafe_requests_without_credentials_are_401_not_a_csrf_403(method, url):
    resp = _csrf_client(Api()).call(method, url, {})
    assert assert_api_error(resp, 401)["code"] == "authentication_required"


def test_a_signed_in_page_without_its_csrf_token_gets_a_json_403(founder):
    user, _company, _api = founder
    api = _csrf_client(Api())
    api.client.force_login(user)
    assert api.get("me").status_code == 200  # reading needs no token
    body = assert_api_error(api.put("me/notification-preferences", {"email": False}), 403)
    assert body["code"] == "csrf_failed" and "CSRF" in body["message_en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # a Chinese message first


def test_405_is_json_and_keeps_allow(founder):
    _user, _company, api = founder
    resp = api.patch("me", {})
    assert assert_api_error(resp, 405)["code"] == "method_not_allowed"
    assert "GET" in resp["Allow"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/me/nope/1", "/api/v1/"])
def test_unknown_api_paths_are_a_json_404(path):
    assert_api_error(Api().get(path), 404)


def test_pages_keep_their_html_404():
    resp = Client().get("/no-such-page/")
    assert resp.status_code == 404 and resp["Content-Type"].startswith("text/html")


def test_openapi_documents_401_422_and_429():
    schema = Api().get("openapi.json").json()
    error_ref = "#/components/schemas/ErrorOut"
    rate_limited = {("post", "/api/v1/auth/token"), ("post", "/api/v1/auth/sms-code")}
    rate_limited |= {("post", "/api/v1/auth/sms-token"), ("post", "/api/v1/agent/messages")}
    for path, item in schema["paths"].items():
        for method, op in item.items():
            responses = op["responses"]
            if op.get("security"):
                assert "401" in responses, (method, path)
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in responses, (method, path)
                body = responses["422"]["content"]["application/json"]["schema"]
                assert body["$ref"] == "#/components/schemas/ValidationErrorOut"
            if (method, path) in rate_limited:
                assert "429" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    ref = response["content"]["application/json"]["schema"].get("$ref")
                    assert ref in (error_ref, "#/components/schemas/ValidationErrorOut"), (
                        method,
                        path,
                        status,
                    )
    assert {"code", "message", "message_en"} <= set(schema["components"]["schemas"]["ErrorOut"]["required"])


def test_schema_valid_preference_bodies_are_accepted(founder):
    _user, _company, api = founder
    for body in ({"language": None}, {"email": None, "sms": None, "webhook": None}, {"language": "en"}):
        resp = api.put("me/notification-preferences", body)
        assert resp.status_code == 200, (body, resp.json())
    assert api.get("me/notification-preferences").json()["language"] == "en"
    assert (
        assert_api_error(api.put("me/notification-preferences", {"language": "fr"}), 422)["field"]
        == "language"
    )


def test_quiet_hours_with_a_utc_offset_are_a_422(founder):
    _user, _company, api = founder
    body = {"quiet_start": "19:02:31+04:08", "quiet_end": "10:01:59+00:43"}
    assert assert_api_error(api.put("me/notification-preferences", body), 422)["field"] == "quiet_start"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/openapi.json"),
        ("post", "/api/v1/me/messages/stream"),
        ("delete", "/api/v1/docs"),
        ("put", "/api/v1/docs"),
    ],
)
def test_the_documents_and_the_stream_answer_a_wrong_method_with_json_not_a_csrf_page(method, url):
    """Without credentials these gave Django's HTML CSRF 403 page: the API's JSON 405 (or 401)."""
    resp = _csrf_client(Api()).call(method, url, {})
    assert resp.status_code in (401, 404, 405), (resp.status_code, resp.content[:200])
    assert_api_error(resp, resp.status_code)


def test_any_other_csrf_refusal_under_the_api_is_json():
    """Django's CSRF failure view answers the API's JSON shape under /api/ (pages keep HTML)."""
    from django.test import RequestFactory

    from beiyang.api.errors import csrf_failure

    resp = Client(enforce_csrf_checks=True).post("/api/v1/")  # the API's root page: not exempt
    assert assert_api_error(resp, 403)["code"] == "csrf_failed"
    page = csrf_failure(RequestFactory().post("/login/"), reason="CSRF cookie not set.")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
