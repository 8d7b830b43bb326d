"""Staff never act for the town on the grants, applications or service requests of a company
they belong to or have a recorded tie to: one rule (``companies.actions.
check_no_conflict_of_interest``), walked over every staff route that acts on one of them.

The routes are read from the API, so a new staff action on an application, a service request or
a grant proposal is walked the day it is added (and needs a body below to be walked well).
"""

from __future__ import annotations

import pytest
from conftest import assert_api_error
from django.utils import timezone

from beiyang.api.tests.test_access_control import api_route_templates
from beiyang.companies.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# The staff routes that act on one company's application, request or grant, by the object.
ACTING = (
    "/staff/applications/{application_id}/",
    "/staff/service-requests/{request_id}/",
    "/staff/vouchers/grant-proposals/{proposal_id}/",
)
BODIES = {
    "assign": lambda staff: {"assignee_id": staff.pk},
    "request-info": lambda staff: {"message": "请补充材料"},
    "approve": lambda staff: {"reason": "符合条件", "amount_cny": "1000"},
    "reject": lambda staff: {"reason": "不符合"},
    "disburse": lambda staff: {},
    "reply": lambda staff: {"text": "您好"},
    "reassign": lambda staff: {"officer_id": staff.pk},
    "resolve": lambda staff: {"resolution": "已办结"},
    "refuse": lambda staff: {},
}


def acting_routes() -> list[tuple[str, str]]:
    return [
        (method, url)
        for method, url in api_route_templates()
        if method in ("post", "put", "patch", "delete") and any(part in url for part in ACTING)
    ]


def test_the_walk_finds_the_acting_routes():
    routes = {url.rsplit("/", 1)[1] for _m, url in acting_routes()}
    assert {"assign", "approve", "reject", "reply", "resolve", "reassign", "refuse"} <= routes
    assert routes <= set(BODIES), routes - set(BODIES)


@pytest.fixture
def company_world(make_founder, make_staff):
    """A company with a submitted application, an open service request and a grant proposal."""
    from beiyang.vouchers.actions import do_fund_pool

    _user, company, client = make_founder()
    year = timezone.localdate().year
    for source in ("city", "district"):
        do_fund_pool(kind="compute", source=source, year=year, amount_fen=10_000_000_00)
    application = client.post("applications", {"policy": "startup-capital", "amount_cny": "50000"}).json()
    from beiyang.applications.models import Application

    Application.objects.filter(pk=application["id"]).update(status="submitted")
    request = client.post(
        "service-requests", {"category": "policy", "title": "咨询", "description": "算力券怎么申请"}
    ).json()
    _proposer_user, proposer = make_staff("voucher_officer")
    proposal = proposer.post(
        "staff/vouchers/grants",
        {"company_credit_code": company.credit_code, "kind": "compute", "amount_cny": 900_000},
    )
    assert proposal.status_code == 202, proposal.content
    return company, {
        "application_id": application["id"],
        "request_id": request["id"],
        "proposal_id": proposal.json()["id"],
    }


@pytest.mark.parametrize("how", ["member", "tie"])
def test_staff_with_a_conflict_are_refused_on_every_acting_route(company_world, make_staff, how):
    company, ids = company_world
    from django.contrib.auth.models import Group

    staff, api = make_staff("town_admin")  # every role: only the conflict can refuse them
    staff.groups.add(Group.objects.get(name="service_officer"))  # one a company may be given
    if how == "member":
        MembershipFactory(user=staff, company=company)
    else:
        _other, admin = make_staff("town_admin")
        tie = admin.post(
            "staff/staff-ties", {"user_id": staff.pk, "company_id": company.pk, "note": "投资人"}
        )
        assert tie.status_code == 201, tie.content
    for method, template in acting_routes():
        url = template.format(**ids).removeprefix("/api/v1/")
        resp = api.call(method, url, BODIES[url.rsplit("/", 1)[1]](staff))
        assert assert_api_error(resp, 403)["code"] == "conflict_of_interest", (method, url, resp.content)
    # Granting vouchers to the company, and being made its officer, are refused alike.
    grant = api.post(
        "staff/vouchers/grants",
        {"company_credit_code": company.credit_code, "kind": "compute", "amount_cny": 1000},
    )
    assert assert_api_error(grant, 403)["code"] == "conflict_of_interest"
    officer = api.put(f"staff/companies/{company.pk}/officer", {"user_id": staff.pk})
    assert assert_api_error(officer, 403)["code"] == "conflict_of_interest"
    bulk = api.post(
        "staff/applications/assign", {"application_ids": [ids["application_id"]], "assignee_id": staff.pk}
    )
    assert assert_api_error(bulk, 403)["code"] == "conflict_of_interest"


def test_a_staff_member_free_of_the_company_may_act(company_world, make_staff):
    _company, ids = company_world
    _staff, api = make_staff("town_admin")
    assert api.post(f"staff/service-requests/{ids['request_id']}/reply", {"text": "您好"}).status_code == 201
    assert api.post(f"staff/vouchers/grant-proposals/{ids['proposal_id']}/approve").status_code == 201


def test_the_voucher_officer_who_joins_a_company_cannot_grant_it_vouchers(make_staff):
    """The attack as reported: PUT /me/company as the officer, then a grant to it -> was 201."""
    from beiyang.companies.tests.factories import next_credit_code
    from beiyang.vouchers.actions import do_fund_pool
    from beiyang.vouchers.models import Grant, GrantProposal

    year = timezone.localdate().year
    for source in ("city", "district"):
        do_fund_pool(kind="compute", source=source, year=year, amount_fen=10_000_000_00)
    _officer, api = make_staff("voucher_officer")
    code = next_credit_code()
    own = api.put(
        "me/company",
        {"name": "自家公司", "credit_code": code, "district": "徐汇", "stage": "seed", "in_town": True},
    )
    assert own.status_code == 200, own.content
    for amount in (1_000_000, 1000):
        resp = api.post(
            "staff/vouchers/grants", {"company_credit_code": code, "kind": "compute", "amount_cny": amount}
        )
        assert assert_api_error(resp, 403)["code"] == "conflict_of_interest"
    assert not Grant.objects.exists() and not GrantProposal.objects.exists()
