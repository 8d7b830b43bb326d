"""Walk every API route as an anonymous visitor, another founder and each staff role.

The routes come from the URL resolver, so a new route is covered the day it is added:
it must either be listed as public, or refuse anonymous callers with 401; and no route
may answer 500 to anyone.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from beiyang.accounts.roles import ROLE_NAMES

pytestmark = pytest.mark.django_db

PUBLIC = {
    ("post", "/api/v1/auth/signup"),
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/auth/sms-code"),
    ("post", "/api/v1/auth/sms-token"),
    ("post", "/api/v1/benefits/evaluate"),
    ("get", "/api/v1/events"),
    ("get", "/api/v1/dashboard/kpis"),
    ("post", "/api/v1/agent/messages"),
    ("get", "/api/v1/dashboard/kpis/export"),
    ("get", "/api/v1/events/1"),
    ("get", "/api/v1/events/1/calendar.ics"),
    ("get", "/api/v1/benefits/policies"),
    ("get", "/api/v1/benefits/policies/1"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/docs"),
}


def api_routes() -> list[tuple[str, str]]:
    from beiyang.api.urls import api

    routes = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            url = re.sub(r"\{[^}]+\}", "1", f"/api/v1/{prefix}{path}".replace("//", "/"))
            routes.extend((method.lower(), url) for op in path_view.operations for method in op.methods)
    return sorted(set(routes))


def test_the_walk_sees_the_routes():
    routes = api_routes()
    assert ("get", "/api/v1/me") in routes and ("put", "/api/v1/me/company") in routes
    assert len(routes) >= 15
    assert get_resolver().resolve("/api/v1/me")
    assert any(isinstance(p, URLPattern | URLResolver) for p in get_resolver().url_patterns)


@pytest.mark.parametrize(("method", "url"), api_routes())
def test_anonymous(api, method, url):
    resp = api.call(method, url, {} if method in ("post", "put") else None)
    if (method, url) in PUBLIC:
        assert resp.status_code < 500
    else:
        assert resp.status_code == 401, (method, url, resp.status_code)
        assert resp.json()["code"] == "authentication_required"


@pytest.mark.parametrize(("method", "url"), api_routes())
def test_other_founder_and_every_role_get_no_500(founder, make_founder, make_staff, method, url):
    _user, company, _client = founder
    _other, _other_company, other = make_founder()
    callers = [other] + [make_staff(role)[1] for role in ROLE_NAMES]
    own_url = url.replace("/companies/1", f"/companies/{company.pk}")
    for client in callers:
        resp = client.call(method, own_url, {} if method in ("post", "put") else None)
        assert resp.status_code < 500, (method, own_url, resp.status_code, resp.content[:200])
    # Another founder never reads or changes this founder's company (staff routes answer 403).
    if own_url.startswith("/api/v1/companies/"):
        assert other.call(method, own_url, {} if method == "put" else None).status_code == 404


def test_staff_only_routes_refuse_founders(founder):
    _user, _company, client = founder
    for url in ("staff/packs", "staff/events/1/registrations", "staff/events/1/export"):
        resp = client.get(url)
        assert resp.status_code == 403 and resp.json()["code"] == "forbidden", url
    assert client.post("staff/checkins", {"code": "ABCDEFGH"}).status_code == 403
