import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from beiyang.applications.actions import do_send_sla_reminders
from beiyang.applications.models import Application
from beiyang.core.models import AuditEntry
from beiyang.notifications.models import Message
from beiyang.policies.queries import current_pack
from beiyang.vouchers.models import Grant

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\nstartxref\n9\n%%EOF\n"


def upload(client, application_id, doc_type, content=PDF, name="file.pdf"):
    return client.client.post(
        f"/api/v1/applications/{application_id}/documents",
        {"doc_type": doc_type, "file": SimpleUploadedFile(name, content)},
        headers={"Authorization": f"Bearer {client.token}"},
    )


def ready(client, policy="startup-capital", amount=None):
    body = {"policy": policy}
    if amount is not None:
        body["amount_cny"] = amount
    resp = client.post("applications", body)
    assert resp.status_code == 201, resp.json()
    app = resp.json()
    for doc in app["documents_required"]:
        assert upload(client, app["id"], doc).status_code == 201
    return app


@pytest.fixture
def reviewers(make_staff):
    return make_staff("reviewer"), make_staff("reviewer")


def test_the_whole_path_with_lanes_sla_and_messages(founder, reviewers):
    user, _company, client = founder
    (_first, first_api), _ = reviewers
    app = ready(client)
    assert app["status"] == "draft" and app["max_amount_cny"] == "90000.00" and app["lane"] == "normal"
    submitted = client.post(f"applications/{app['id']}/submit").json()
    assert (
        submitted["status"] == "submitted"
        and submitted["due_at"]
        and submitted["sla"] in ("on_time", "due_soon")
    )
    told = Message.objects.get(user=user, title__startswith="申请已提交")
    # Dates in words as a reader writes them (12月5日, not 12月05日); the English title names
    # the benefit, not its id.
    due = Application.objects.get(pk=app["id"]).due_on
    assert f"预计{due.month}月{due.day}日前" in told.body
    stored = Application.objects.get(pk=app["id"])
    english = current_pack().policies[stored.policy_id].title.en
    assert told.title_en == f"Application submitted: {english}" and stored.policy_id not in english
    queue = first_api.get("staff/applications?lane=normal").json()
    assert [a["id"] for a in queue] == [app["id"]]
    assert first_api.post(f"staff/applications/{app['id']}/assign", {}).json()["status"] == "in_review"
    paused = first_api.post(
        f"staff/applications/{app['id']}/request-info", {"message": "请补充团队介绍"}
    ).json()
    assert paused["status"] == "needs_info" and paused["sla"] == "paused"
    assert Message.objects.filter(user=user, title__startswith="请补充材料").exists()
    assert (
        client.post(f"applications/{app['id']}/respond", {"note": "已补充"}).json()["status"] == "in_review"
    )
    approved = first_api.post(
        f"staff/applications/{app['id']}/approve",
        {"amount_cny": "80000", "reason": "材料齐全,符合条件", "criteria_checked": ["young-founder"]},
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["granted_cny"] == "80000.00"
    told = Message.objects.get(user=user, title__startswith="申请已批准")
    # The amount, then the reviewer's words as written: no "。," where the two meet.
    assert told.body == "批准金额8万元。审核意见:材料齐全,符合条件", told.body
    types = [t["type"] for t in approved.json()["timeline"]]
    assert types[:2] == ["applications.application.created", "applications.document.uploaded"]
    assert "applications.application.approved" in types
    assert first_api.post(f"staff/applications/{app['id']}/disburse").json()["status"] == "disbursed"


def test_young_plan_members_get_the_priority_lane(make_founder):
    _u, _c, client = make_founder(programmes=["young-plan"])
    assert client.post("applications", {"policy": "startup-capital"}).json()["lane"] == "priority"


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("submit", "submitted"),
        ("respond", "submitted"),
        ("withdraw", "withdrawn"),
    ],
)
def test_refused_founder_transitions(founder, action, state):
    _user, _company, client = founder
    app = ready(client)
    client.post(f"applications/{app['id']}/submit")
    if state == "withdrawn":
        client.post(f"applications/{app['id']}/withdraw")
    resp = client.post(f"applications/{app['id']}/{action}", {} if action == "respond" else None)
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_transition"


def test_refused_staff_transitions(founder, reviewers):
    _user, _company, client = founder
    (_r, api), _ = reviewers
    app = ready(client)
    draft_approve = api.post(f"staff/applications/{app['id']}/approve", {"reason": "x"})
    assert draft_approve.status_code == 409 and draft_approve.json()["code"] == "invalid_transition"
    assert api.post(f"staff/applications/{app['id']}/disburse").json()["code"] == "invalid_transition"
    client.post(f"applications/{app['id']}/submit")
    api.post(f"staff/applications/{app['id']}/reject", {"reason": "不符合"})
    assert api.post(f"staff/applications/{app['id']}/approve", {"reason": "x"}).status_code == 409
    assert api.post(f"staff/applications/{app['id']}/request-info", {"message": "x"}).status_code == 409


def test_bad_input_and_duplicates(founder):
    _user, _company, client = founder
    assert client.post("applications", {"policy": "free-money"}).json()["code"] == "unknown_policy"
    assert (
        client.post("applications", {"policy": "startup-capital", "amount_cny": "100001"}).json()["code"]
        == "over_maximum"
    )
    assert (
        client.post("applications", {"policy": "startup-capital", "amount_cny": "-1"}).json()["code"]
        == "invalid_amount"
    )
    assert client.post("applications", {"policy": "young-plan"}).json()["code"] == "not_applied_for"
    assert client.post("applications", {"policy": "startup-capital"}).status_code == 201
    again = client.post("applications", {"policy": "startup-capital"})
    assert again.status_code == 409 and again.json()["code"] == "already_open"
    assert Application.objects.count() == 1


def test_ineligible_founders_cannot_apply(make_founder):
    _u, _c, client = make_founder(district="长宁")
    resp = client.post("applications", {"policy": "startup-capital"})
    assert (
        resp.status_code == 409 and resp.json()["code"] == "not_eligible" and "徐汇" in resp.json()["message"]
    )


def test_documents(founder):
    _user, _company, client = founder
    app = client.post("applications", {"policy": "startup-capital"}).json()
    assert upload(client, app["id"], "founder_id", name="id.exe").json()["code"] == "file_type"
    assert (
        upload(client, app["id"], "founder_id", content=b"MZ\x90\x00", name="id.pdf").json()["code"]
        == "file_type_mismatch"
    )
    assert upload(client, app["id"], "tax_return").json()["code"] == "invalid_doc_type"
    missing = client.post(f"applications/{app['id']}/submit")
    assert missing.status_code == 400 and missing.json()["code"] == "missing_documents"
    from beiyang.applications.tests.test_uploads import PNG

    png = upload(client, app["id"], "founder_id", content=PNG, name="id.png")
    assert png.status_code == 201 and png.json()["size"] == len(PNG)


def test_file_too_large(founder, settings):
    settings.APPLICATION_MAX_UPLOAD_BYTES = 10
    _user, _company, client = founder
    app = client.post("applications", {"policy": "startup-capital"}).json()
    assert upload(client, app["id"], "founder_id").json()["code"] == "file_too_large"


def test_another_founders_application_is_not_found(founder, make_founder, make_staff):
    _user, _company, client = founder
    app = ready(client)
    _o, _c, other = make_founder()
    assert other.get(f"applications/{app['id']}").status_code == 404
    assert other.post(f"applications/{app['id']}/submit").status_code == 404
    assert upload(other, app["id"], "founder_id").status_code == 404
    _m, manager = make_staff("event_manager")
    assert manager.get("staff/applications").status_code == 403


def test_four_eyes_above_the_threshold(funded_vouchers, founder, reviewers):
    _user, _company, client = founder
    (_first, first_api), (_second, second_api) = reviewers
    app = ready(client, policy="compute-voucher", amount="500000")
    client.post(f"applications/{app['id']}/submit")
    body = {"amount_cny": "500000", "reason": "同意"}
    once = first_api.post(f"staff/applications/{app['id']}/approve", body).json()
    assert once["status"] == "in_review" and once["awaiting_second_approval"]
    same = first_api.post(f"staff/applications/{app['id']}/approve", body)
    assert same.status_code == 409 and same.json()["code"] == "second_approver_needed"
    higher = second_api.post(f"staff/applications/{app['id']}/approve", {**body, "amount_cny": "600000"})
    assert (
        higher.status_code == 400 and higher.json()["code"] == "over_maximum"
    ) or higher.status_code == 409
    done = second_api.post(f"staff/applications/{app['id']}/approve", body).json()
    assert done["status"] == "approved" and done["voucher_grant_id"]
    grant = Grant.objects.get(pk=done["voucher_grant_id"])
    assert grant.amount_fen == 500_000_00 and grant.application_id == app["id"]
    assert client.get("me/vouchers").json()["grants"][0]["balance_cny"] == "500000.00"


def test_a_second_reviewer_leaving_the_amount_empty_approves_the_first_reviewers(
    funded_vouchers, founder, reviewers
):
    """The box says 留空 (leave empty): the second reviewer's empty amount is the first
    reviewer's, not the request's (which a second approval may not exceed, so it was refused)."""
    from conftest import page_client

    _user, _company, client = founder
    (_first, first_api), (second, _second_api) = reviewers
    app = ready(client, policy="compute-voucher", amount="800000")
    client.post(f"applications/{app['id']}/submit")
    once = first_api.post(
        f"staff/applications/{app['id']}/approve", {"amount_cny": "500000", "reason": "核减"}
    )
    assert once.json()["awaiting_second_approval"]
    page = page_client(second)
    form = page.get(f"/staff/applications/{app['id']}/").content.decode()
    assert "留空则按第一位审核员批准的50万元批准" in form
    page.post(
        f"/staff/applications/{app['id']}/", {"step": "approve", "amount_cny": "", "reason": "复核同意"}
    )
    done = client.get(f"applications/{app['id']}").json()
    assert done["status"] == "approved"
    assert Grant.objects.get(pk=done["voucher_grant_id"]).amount_fen == 500_000_00


def test_reviewers_never_decide_on_their_own_company(insider):
    _reviewer, api, app_id = insider
    resp = api.post(f"staff/applications/{app_id}/approve", {"reason": "自己批"})
    assert resp.status_code == 403 and resp.json()["code"] == "conflict_of_interest"
    assert api.post(f"staff/applications/{app_id}/reject", {"reason": "x"}).status_code == 403


def test_fee_waiver_records_its_period(founder, reviewers):
    _user, _company, client = founder
    (_r, api), (_r2, api2) = reviewers
    app = ready(client, policy="office-rent-waiver")
    client.post(f"applications/{app['id']}/submit")
    # 360,000 CNY is above the four-eyes threshold: two reviewers approve.
    assert (
        api.post(f"staff/applications/{app['id']}/approve", {"reason": "入驻小镇"}).json()["status"]
        == "in_review"
    )
    done = api2.post(f"staff/applications/{app['id']}/approve", {"reason": "复核同意"}).json()
    start = dt.date.fromisoformat(done["waiver_from"])
    assert start == timezone.localdate() and dt.date.fromisoformat(
        done["waiver_until"]
    ) > start + dt.timedelta(days=360)


def test_bulk_and_round_robin_assignment(make_founder, reviewers):
    (r1, api), (r2, _api2) = reviewers
    ids = []
    for _ in range(4):
        _u, _c, client = make_founder()
        app = ready(client)
        client.post(f"applications/{app['id']}/submit")
        ids.append(app["id"])
    assert (
        len(api.post("staff/applications/assign", {"application_ids": ids[:2], "assignee_id": r2.pk}).json())
        == 2
    )
    assert api.post("staff/applications/auto-assign").json()["assigned"] == 2
    loads = dict(Application.objects.values_list("id", "assignee_id"))
    assert {loads[i] for i in ids[2:]} <= {r1.pk, r2.pk} and loads[ids[2]] == r1.pk
    bad = api.post("staff/applications/assign", {"application_ids": ids, "assignee_id": 999999})
    assert bad.status_code == 400 and bad.json()["field"] == "assignee_id"


def test_reminders_and_escalation(founder, reviewers, make_staff):
    _user, _company, client = founder
    (reviewer, api), _ = reviewers
    admin, _ = make_staff("town_admin")
    app = ready(client)
    client.post(f"applications/{app['id']}/submit")
    api.post(f"staff/applications/{app['id']}/assign", {})
    due = Application.objects.get(pk=app["id"]).due_on
    assert do_send_sla_reminders(today=due) == {"reminded": 1, "escalated": 0}
    assert do_send_sla_reminders(today=due + dt.timedelta(days=1)) == {"reminded": 0, "escalated": 1}
    assert do_send_sla_reminders(today=due + dt.timedelta(days=2)) == {"reminded": 0, "escalated": 0}
    assert Message.objects.filter(user=reviewer, title__startswith="审核即将到期").exists()
    assert Message.objects.filter(user=admin, title__startswith="审核已超时").exists()


def test_exports_counts_and_the_queue_page(founder, reviewers):
    import openpyxl

    _user, _company, client = founder
    (reviewer, api), _ = reviewers
    app = ready(client)
    client.post(f"applications/{app['id']}/submit")
    book = openpyxl.load_workbook(io.BytesIO(api.get("staff/applications-export?format=xlsx").content))
    assert book.active.max_row == 2
    assert api.get("staff/applications-counts").json()["by_status"] == {"submitted": 1}
    page = Client()
    page.force_login(reviewer)
    html = page.get("/staff/applications/?lane=normal").content.decode()
    assert f'id="application-{app["id"]}"' in html and "普通通道" in html
    page.post("/staff/applications/", {"application_id": app["id"], "step": "assign_me"})
    assert Application.objects.get(pk=app["id"]).assignee_id == reviewer.pk
    assert AuditEntry.objects.filter(action_type="applications.application.assigned").exists()


def test_founder_pages(founder):
    user, _company, _client = founder
    page = Client()
    page.force_login(user)
    resp = page.post("/applications/", {"policy": "startup-capital"})
    assert resp.status_code == 302
    app_id = Application.objects.get().pk
    html = page.get(f"/applications/{app_id}/").content.decode()
    assert "营业执照" in html and "9万元" in html
    page.post(
        f"/applications/{app_id}/",
        {"step": "upload", "doc_type": "business_licence", "file": SimpleUploadedFile("l.pdf", PDF)},
    )
    assert Application.objects.get().documents.count() == 1
    from beiyang.policies.queries import current_pack

    listing = page.get("/applications/").content.decode()
    assert current_pack().policies["startup-capital"].title.zh in listing and "startup-capital" not in listing


def test_documents_are_served_only_to_the_company_and_reviewers(founder, make_founder, make_staff):
    _user, _company, client = founder
    app = client.post("applications", {"policy": "startup-capital"}).json()
    doc = upload(client, app["id"], "founder_id").json()
    url = f"applications/{app['id']}/documents/{doc['id']}"
    own = client.get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF
    _o, _c, other = make_founder()
    assert other.get(url).status_code == 404
    _r, reviewer = make_staff("reviewer")
    assert reviewer.get(url).status_code == 200
    _m, manager = make_staff("event_manager")
    assert manager.get(url).status_code == 404
    assert Client().get(f"/api/v1/{url}").status_code == 401


ACTIONS = {
    "submit": lambda c, s, a: c.post(f"applications/{a}/submit"),
    "withdraw": lambda c, s, a: c.post(f"applications/{a}/withdraw"),
    "respond": lambda c, s, a: c.post(f"applications/{a}/respond", {"note": "x"}),
    "assign": lambda c, s, a: s.post(f"staff/applications/{a}/assign", {}),
    "request_info": lambda c, s, a: s.post(f"staff/applications/{a}/request-info", {"message": "x"}),
    "approve": lambda c, s, a: s.post(
        f"staff/applications/{a}/approve", {"reason": "x", "amount_cny": "1000"}
    ),
    "reject": lambda c, s, a: s.post(f"staff/applications/{a}/reject", {"reason": "x"}),
    "disburse": lambda c, s, a: s.post(f"staff/applications/{a}/disburse"),
}
STATES = ["draft", "submitted", "in_review", "needs_info", "approved", "rejected", "withdrawn", "disbursed"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_allowed_or_refused_with_409(founder, make_staff, state, action):
    from beiyang.applications.actions import TRANSITIONS

    _user, _company, client = founder
    _r, reviewer = make_staff("reviewer")
    app = ready(client)
    Application.objects.filter(pk=app["id"]).update(
        status=state, due_on=timezone.localdate() + dt.timedelta(days=5)
    )
    resp = ACTIONS[action](client, reviewer, app["id"])
    allowed = state in TRANSITIONS[action][0]
    if allowed:
        assert resp.status_code == 200, (state, action, resp.json())
        expected = state if action == "assign" and state != "submitted" else TRANSITIONS[action][1]
        assert Application.objects.get(pk=app["id"]).status == expected
    else:
        assert resp.status_code == 409 and resp.json()["code"] == "invalid_transition", (
            state,
            action,
            resp.json(),
        )
        assert Application.objects.get(pk=app["id"]).status == state


def test_a_missing_file_is_refused_by_the_action_and_the_page_says_so(founder):
    from beiyang.applications.actions import do_upload_document
    from beiyang.core.errors import InvalidInput

    user, _company, client = founder
    app = client.post("applications", {"policy": "startup-capital"}).json()
    with pytest.raises(InvalidInput) as err:
        do_upload_document(user, app["id"], doc_type="founder_id", upload=None)
    assert err.value.field == "file" and err.value.code == "file_missing"
    page = Client()
    page.force_login(user)
    html = page.post(f"/applications/{app['id']}/", {"step": "upload", "doc_type": "founder_id"}, follow=True)
    assert "请选择要上传的文件" in html.content.decode()


@pytest.fixture
def insider(founder, make_staff):
    """A reviewer who is also a member of the founder's company, and that company's submitted application."""
    from beiyang.companies.tests.factories import MembershipFactory

    _user, company, client = founder
    reviewer, api = make_staff("reviewer")
    MembershipFactory(user=reviewer, company=company, role="member")
    app = ready(client)
    client.post(f"applications/{app['id']}/submit")
    return reviewer, api, app["id"]


def _refused_as_conflict(resp) -> None:
    assert resp.status_code == 403 and resp.json()["code"] == "conflict_of_interest", resp.json()


def test_an_insider_takes_no_reviewer_action_on_their_company(insider, make_staff):
    reviewer, api, app_id = insider
    _refused_as_conflict(api.post(f"staff/applications/{app_id}/assign", {}))
    _refused_as_conflict(
        api.post("staff/applications/assign", {"application_ids": [app_id], "assignee_id": reviewer.pk})
    )
    _refused_as_conflict(api.post(f"staff/applications/{app_id}/request-info", {"message": "补充"}))
    other, other_api = make_staff("reviewer")
    _refused_as_conflict(api.post(f"staff/applications/{app_id}/assign", {"assignee_id": other.pk}))
    # Nobody else may hand it to them either.
    _refused_as_conflict(other_api.post(f"staff/applications/{app_id}/assign", {"assignee_id": reviewer.pk}))
    application = Application.objects.get(pk=app_id)
    assert application.status == "submitted" and application.assignee_id is None
    Application.objects.filter(pk=app_id).update(status="approved")
    _refused_as_conflict(api.post(f"staff/applications/{app_id}/disburse"))
    assert Application.objects.get(pk=app_id).status == "approved"
    page = Client()
    page.force_login(reviewer)
    Application.objects.filter(pk=app_id).update(status="submitted")
    page.post("/staff/applications/", {"application_id": app_id, "step": "assign_me"})
    assert Application.objects.get(pk=app_id).assignee_id is None
    assert not AuditEntry.objects.filter(action_type="applications.application.assigned").exists()


def test_round_robin_skips_an_insider(insider, make_founder):
    reviewer, api, app_id = insider
    _u, _c, outsider_client = make_founder()
    elsewhere = ready(outsider_client)
    outsider_client.post(f"applications/{elsewhere['id']}/submit")
    # The insider is the only reviewer: their company's application waits, the other one is theirs.
    assert api.post("staff/applications/auto-assign").json()["assigned"] == 1
    assert Application.objects.get(pk=app_id).assignee_id is None
    assert Application.objects.get(pk=elsewhere["id"]).assignee_id == reviewer.pk


def test_round_robin_gives_an_insiders_company_to_another_reviewer(insider, make_staff):
    reviewer, _api, app_id = insider
    other, other_api = make_staff("reviewer")
    # The insider has the lower id and no load, so a plain rotation would pick them first.
    assert reviewer.pk < other.pk
    assert other_api.post("staff/applications/auto-assign").json()["assigned"] == 1
    assert Application.objects.get(pk=app_id).assignee_id == other.pk


def test_the_published_maximum_holds_when_the_amount_cannot_be_computed(make_founder):
    """Startup capital is 最高10万元; with the headcount unknown the engine has no exact amount,
    and the application must still refuse more than the maximum."""
    _u, _c, client = make_founder(headcount=None)
    over = client.post("applications", {"policy": "startup-capital", "amount_cny": 150000})
    assert over.status_code == 400 and over.json()["code"] == "over_maximum", over.json()
    assert "10万元" in over.json()["message"] and over.json()["field"] == "amount_cny"
    assert Application.objects.count() == 0
    ok = client.post("applications", {"policy": "startup-capital", "amount_cny": 100000})
    assert ok.status_code == 201 and ok.json()["max_amount_cny"] == "100000.00"
    assert ok.json()["amount_requested_cny"] == "100000.00"


def test_a_raised_amount_is_refused_at_submission_too(make_founder):
    _u, _company, client = make_founder(headcount=None)
    app = ready(client, amount=100000)
    Application.objects.filter(pk=app["id"]).update(amount_requested_fen=150_000_00)
    resp = client.post(f"applications/{app['id']}/submit")
    assert resp.status_code == 409 and resp.json()["code"] == "over_maximum"


def test_the_benefit_card_shows_the_maximum_when_the_amount_is_unknown(make_founder):
    user, _c, client = make_founder(headcount=None)
    card = next(r for r in client.get("me/benefits").json()["results"] if r["policy"] == "startup-capital")
    assert card["amount_cny"] is None and card["max_amount_cny"] == 100000
    assert card["max_amount_label"] == "最高10万元" and card["max_amount_label_en"] == "Up to ¥100,000"
    assert card["max_amount_parameters"] == ["startup_capital.max_cny"]
    cited = next(p for p in card["parameters"] if p["parameter"] == "startup_capital.max_cny")
    assert cited["value"] == 100000 and cited["reference"] and cited["assumption"] is False
    page = Client()
    page.force_login(user)
    html = page.get("/benefits/").content.decode()
    card_html = html[html.index('id="benefit-startup-capital"') :]
    assert "最高10万元" in card_html[: card_html.index("</article>")]


def test_an_amount_for_a_benefit_without_one_is_refused(make_founder):
    _u, _c, client = make_founder(programmes=["hkust"], sectors=["robotics"])
    resp = client.post("applications", {"policy": "hkust-incubator", "amount_cny": 5000})
    assert resp.status_code == 400 and resp.json()["code"] == "no_amount", resp.json()
    assert client.post("applications", {"policy": "hkust-incubator"}).status_code == 201


def test_applications_export_writes_no_formula(make_founder, reviewers):
    from beiyang.core.tests.spreadsheets import assert_inert

    company_name = "@SUM(1+9)*cmd|' /C calc'!A0"
    _user, _company, client = make_founder(name=company_name)
    (_reviewer, api), _ = reviewers
    client.post(f"applications/{ready(client)['id']}/submit")
    url = "staff/applications-export?format="
    assert_inert(api.get(url + "csv"), api.get(url + "xlsx"), company_name)


HUGE = "111111111111111111111111111.001"  # more significant digits than Decimal's context holds


def test_huge_amounts_are_refused_with_a_4xx(founder, reviewers):
    from conftest import assert_api_error

    user, _company, client = founder
    assert (
        assert_api_error(client.post("applications", {"policy": "startup-capital", "amount_cny": HUGE}), 400)[
            "field"
        ]
        == "amount_cny"
    )
    app = ready(client)
    client.post(f"applications/{app['id']}/submit")
    (reviewer, api), _ = reviewers
    api.post(f"staff/applications/{app['id']}/assign", {})
    resp = api.post(f"staff/applications/{app['id']}/approve", {"amount_cny": HUGE, "reason": "ok"})
    assert assert_api_error(resp, 400)["code"] == "invalid_amount"
    # The pages: the same amount in the founder's form and the reviewer's approval form.
    page = Client()
    page.force_login(user)
    resp = page.post("/applications/", {"policy": "startup-capital", "amount_cny": HUGE}, follow=True)
    assert resp.status_code == 200 and "金额" in resp.content.decode()
    page.force_login(reviewer)
    resp = page.post(
        "/staff/applications/",
        {"application_id": app["id"], "step": "approve", "amount_cny": HUGE, "reason": "ok"},
        follow=True,
    )
    assert resp.status_code == 200 and "金额" in resp.content.decode()
    assert Application.objects.get(pk=app["id"]).status == "in_review"


@pytest.mark.parametrize(
    "content_type, payload",
    [
        ("multipart/form-data", b"--x\r\n\r\n"),  # no boundary
        ("multipart/form-data; boundary=", b"--\r\n"),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="doc_type"; x="'
            + b"a" * 8200
            + b'"\r\n\r\nlicense\r\n--b--\r\n',
        ),
    ],
)
def test_broken_multipart_is_a_400(founder, content_type, payload):
    from conftest import assert_api_error

    _user, _company, client = founder
    app = client.post("applications", {"policy": "startup-capital"}).json()
    resp = client.client.generic(
        "POST",
        f"/api/v1/applications/{app['id']}/documents",
        payload,
        content_type=content_type,
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert_api_error(resp, 400)
