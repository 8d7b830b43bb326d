"""Walk every API route as an anonymous visitor, another founder and each staff role.

The routes come from the URL resolver, so a new route is covered the day it is added:
it must either be listed as public, or refuse anonymous callers with 401; and no route
may answer 500 to anyone.
"""

import datetime as dt
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


def api_route_templates() -> list[tuple[str, str]]:
    """Every (method, path) with its parameters still in braces: ``/api/v1/events/{event_id}``."""
    from beiyang.api.urls import api

    routes = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            url = f"/api/v1/{prefix}{path}".replace("//", "/")
            routes.extend((method.lower(), url) for op in path_view.operations for method in op.methods)
    return sorted(set(routes))


def api_routes() -> list[tuple[str, str]]:
    return [(m, re.sub(r"\{[^}]+\}", "1", url)) for m, url in api_route_templates()]


@pytest.fixture
def world(founder, make_staff):
    """One real object behind every path parameter, all the founder's, so that a walk reaches
    each route's permission check instead of a 404 for a row that does not exist."""
    from conftest import Api, token_for
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from beiyang.accounts.actions import do_create_provider
    from beiyang.accounts.models import ApiToken
    from beiyang.competitions.actions import do_create_competition
    from beiyang.events.tests.factories import EventFactory
    from beiyang.internships.actions import check_open_round
    from beiyang.matching.models import MatchProfile
    from beiyang.notifications.actions import do_send_message
    from beiyang.policies.actions import do_import_pack
    from beiyang.policies.engine.pack import read_pack_files
    from beiyang.vouchers.actions import check_issue_grant, do_fund_pool, do_issue_grant

    user, company, client = founder
    event = EventFactory()
    assert client.post(f"events/{event.pk}/registrations").status_code == 201
    application = client.post("applications", {"policy": "startup-capital"}).json()
    document = client.client.post(
        f"/api/v1/applications/{application['id']}/documents",
        {
            "doc_type": application["documents_required"][0],
            "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\nstartxref\n0\n%%EOF\n"),
        },
        headers={"Authorization": f"Bearer {client.token}"},
    ).json()
    mentor = MatchProfile.objects.create(kind="mentor", name="导师", sectors=["llm"], monthly_capacity=3)
    intro = client.post("intros", {"target_id": mentor.pk}).json()
    client.post("agent/messages", {"text": "转人工"})
    year = timezone.localdate().year
    for source in ("city", "district"):
        do_fund_pool(kind="compute", source=source, year=year, amount_fen=1_000_000_00)
    do_issue_grant(company=company, kind="compute", amount_fen=100_000_00)
    voucher_officer, _ = make_staff("voucher_officer")
    proposal = check_issue_grant(voucher_officer, company=company, kind="compute", amount_fen=300_000_00)
    _provider, key = do_create_provider(name="徐汇智算中心", kinds=["compute"])
    provider = Api()
    provider.client.defaults["HTTP_X_API_KEY"] = key
    redemption = provider.post(
        "provider/redemptions",
        {
            "company_credit_code": company.credit_code,
            "kind": "compute",
            "invoice_no": "INV-1",
            "invoice_amount_cny": "1000.00",
            "contract_no": "C-1",
        },
        headers={"Idempotency-Key": "k-1"},
    ).json()
    token_for(user)  # a second token, so that revoking one leaves the client signed in
    admin, admin_api = make_staff("town_admin")
    officer, _ = make_staff("service_officer")
    assert admin_api.put(f"staff/companies/{company.pk}/officer", {"user_id": officer.pk}).status_code == 200
    soon = timezone.now() + dt.timedelta(days=7)
    competition = do_create_competition(
        admin,
        title="大赛",
        prize_pool_cny=1000,
        rounds=[{"name": "初赛", "starts_at": soon, "ends_at": soon + dt.timedelta(days=1), "advance": 1}],
        rubric=[{"id": "tech", "label": "技术", "weight": 1, "max": 10}],
    )
    entry = client.post(
        f"competitions/{competition.pk}/entries", {"project": "项目", "summary": "简介"}
    ).json()
    position = client.post(
        "internships",
        {"title": "实习", "skills": ["python"], "seats": 1, "months": 12, "starts_on": str(soon.date())},
    ).json()
    service_request = client.post(
        "service-requests", {"category": "policy", "title": "咨询", "description": "算力券怎么申请"}
    ).json()
    attachment = client.client.post(
        f"/api/v1/service-requests/{service_request['id']}/messages",
        {
            "text": "附件",
            "file": SimpleUploadedFile("b.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\nstartxref\n0\n%%EOF\n"),
        },
        headers={"Authorization": f"Bearer {client.token}"},
    ).json()
    return {
        "attachment_id": attachment["id"],
        "application_id": application["id"],
        "company_id": company.pk,
        "document_id": document["id"],
        "event_id": event.pk,
        "intro_id": intro["id"],
        "message_id": do_send_message(user.pk, kind="system", title="你好", channels=False).pk,
        "period": timezone.localdate().strftime("%Y-%m"),
        "policy_id": "startup-capital",
        "proposal_id": proposal.pk,
        "redemption_id": redemption["redemption_id"],
        "token_id": ApiToken.objects.filter(user=user).order_by("id").first().pk,
        "version_id": do_import_pack(read_pack_files(settings.POLICY_PACK_DIR), publish=True).pk,
        "competition_id": competition.pk,
        "number": 1,
        "entry_id": entry["id"],
        "position_id": position["id"],
        "round_id": check_open_round(admin).pk,
        "request_id": service_request["id"],
        "_provider": provider,
    }


def fill(url: str, world: dict) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: str(world[m.group(1)]), url)


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


def test_other_founder_and_every_role_get_no_500(world, make_founder, make_staff):
    # One world for the whole walk (building it per route took minutes); routes that delete
    # or cancel go last, so that they do not take the others' objects away first.
    _other, _other_company, other = make_founder()
    callers = [other, world["_provider"]] + [make_staff(role)[1] for role in ROLE_NAMES]
    routes = sorted(api_route_templates(), key=lambda r: r[0] == "delete" or r[1].endswith("/cancel"))
    for method, template in routes:
        url = fill(template, world)
        for client in callers:
            resp = client.call(method, url, {} if method in ("post", "put") else None)
            assert resp.status_code < 500, (method, url, resp.status_code, resp.content[:200])
        # Another founder never reads or changes this founder's company (staff routes answer 403).
        if url.startswith("/api/v1/companies/"):
            assert other.call(method, url, {} if method == "put" else None).status_code == 404


def test_staff_only_routes_refuse_founders(founder):
    _user, _company, client = founder
    for url in ("staff/packs", "staff/events/1/registrations", "staff/events/1/export"):
        resp = client.get(url)
        assert resp.status_code == 403 and resp.json()["code"] == "forbidden", url
    assert client.post("staff/checkins", {"code": "ABCDEFGH"}).status_code == 403


def test_the_world_has_a_row_behind_every_parameter(world, founder, make_staff):
    """Each route, called by whoever may call it (the founder, their provider, a town admin or
    the role it needs), finds its object: a 404 here would mean the walks above stop short."""
    _user, _company, owner = founder
    staff = {role: make_staff(role)[1] for role in ROLE_NAMES}
    for method, template in api_route_templates():
        if method == "delete" or template.endswith(("/cancel", "/publish")):
            continue  # destructive for the other routes' objects: walked above only
        url = fill(template, world)
        callers = [owner, world["_provider"], *staff.values()]
        codes = [c.call(method, url, {} if method in ("post", "put") else None).status_code for c in callers]
        assert any(code not in (401, 403, 404) for code in codes), (method, url, codes)


# --- the portal's pages -------------------------------------------------------------------------

# Pages anyone may read signed out (the rest send a visitor to sign in, or refuse).
# A page refused: sent to sign in, forbidden, not found, or a form's address asked with GET; or
# an old address moved for good (its new one is walked as a page of its own).
REFUSED = (301, 302, 403, 404, 405)
# Staff pages every staff role shares (the staff home, the town's figures).
EVERY_STAFF_ROLE = ("/staff/", "/staff/dashboard/")
PUBLIC_PAGES = ("/", "/signup/", "/login/", "/events/", "/dashboard/", "/benefits/calculator/", "/agent/")


def portal_pages(world: dict) -> list[str]:
    """Every portal route (GET), its ids filled from the world (the owner's objects)."""
    from beiyang.api.tests.test_number_inputs import _portal_patterns

    pages = []
    for route in _portal_patterns():
        if "<str:" in route or route.startswith(("logout", "healthz", "readyz", "statusz", "metrics")):
            continue
        if route.startswith(("favicon", "login/send-code", "events/feed/")):
            continue
        pages.append("/" + re.sub(r"<id:([^>]+)>", lambda m: str(world.get(m.group(1), 1)), route))
    return pages


def test_every_role_gets_every_other_roles_pages(world, founder, make_founder, make_staff):
    """Each portal page, asked by every kind of user: no 5xx; signed out, only the public pages;
    founders and students never a staff or judge page, nor another founder's object; and each
    staff page is refused to some staff role (no staff page is open to every role by mistake)."""
    from conftest import page_client

    from beiyang.internships.actions import do_set_student

    owner, _company, _api = founder
    other, _other_company, _ = make_founder()
    student, _none, _ = make_founder(with_company=False)
    do_set_student(student, school="复旦大学", programme="计算机", skills=["python"])
    staff = {role: make_staff(role)[0] for role in ROLE_NAMES}
    callers = {"anonymous": None, "owner": owner, "other founder": other, "student": student, **staff}
    pages = portal_pages(world)
    assert len(pages) > 40
    answers: dict[str, dict[str, int]] = {}
    for page in pages:
        for name, user in callers.items():
            status = page_client(user).get(page).status_code
            answers.setdefault(page, {})[name] = status
            assert status < 500, (name, page, status)
    owners_objects = ("/applications/", "/service/", "/me/messages/")
    for page, by in answers.items():
        staff_page = page.startswith(("/staff/", "/judge/"))
        if page not in PUBLIC_PAGES and not page.startswith(("/events/", "/competitions/")):
            assert by["anonymous"] in REFUSED, (page, by["anonymous"])
        if staff_page:
            for founder_like in ("owner", "other founder", "student"):
                assert by[founder_like] in REFUSED, (page, founder_like, by[founder_like])
            refused = [r for r in ROLE_NAMES if r != "town_admin" and by[r] in REFUSED]
            assert refused or page in EVERY_STAFF_ROLE, (page, "open to every staff role", by)
        elif page.startswith(owners_objects) and page.rstrip("/").split("/")[-1].isdigit():
            assert by["other founder"] in (403, 404), (page, by["other founder"])
