import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client

from beiyang.core.models import AuditEntry
from beiyang.notifications.models import Message
from beiyang.service.actions import do_send_service_reminders
from beiyang.service.models import OfficerAssignment, ServiceMessage, ServiceRequest
from beiyang.service.tests.conftest import SHANGHAI

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\nstartxref\n0\n%%EOF\n"


def open_request(client, **fields):
    body = {
        "category": "registration",
        "title": "工商注册地址迁入徐汇",
        "description": "需要办理迁入",
        **fields,
    }
    return client.post("service-requests", body)


def test_founder_opens_officer_replies_live_resolves_and_founder_rates(
    served, published, django_capture_on_commit_callbacks
):
    user, _company, client, officer_user, officer_client = served
    with django_capture_on_commit_callbacks(execute=True):
        response = open_request(client)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "open" and created["officer_id"] == officer_user.pk
    assert created["first_response_due"] and created["resolve_due"]
    assert created["category_label"] == {"label": "注册落户", "label_en": "Registration and settling in"}
    told = Message.objects.get(user=officer_user, kind="service", data__service_request_id=created["id"])
    assert (officer_user.pk, told.pk) in published

    queue = officer_client.get("staff/service-requests?assignee=me").json()
    assert [r["id"] for r in queue] == [created["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        reply = officer_client.post(
            f"staff/service-requests/{created['id']}/reply", {"text": "请带营业执照来一趟"}
        )
    assert reply.status_code == 201, reply.content
    reply_message = Message.objects.get(user=user, kind="service", body="请带营业执照来一趟")
    assert (user.pk, reply_message.pk) in published  # the founder's open page is woken at once
    thread = client.get(f"service-requests/{created['id']}").json()
    assert thread["status"] == "in_progress" and thread["first_responded_at"]
    assert [m["role"] for m in thread["messages"]] == ["officer"]

    resolved = officer_client.post(
        f"staff/service-requests/{created['id']}/resolve", {"resolution": "已办结迁入手续"}
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert Message.objects.filter(user=user, title__startswith="服务请求已办结").exists()
    rated = client.post(f"service-requests/{created['id']}/rate", {"rating": 5, "comment": "很及时"})
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    assert client.post(f"service-requests/{created['id']}/rate", {"rating": 4}).status_code == 409
    assert Message.objects.filter(user=officer_user, title__contains="★★★★★").exists()
    types = list(
        AuditEntry.objects.filter(object_type="service.servicerequest", object_id=str(created["id"]))
        .order_by("id")
        .values_list("action_type", flat=True)
    )
    assert types == [
        "service.request.opened",
        "service.request.replied",
        "service.request.resolved",
        "service.request.rated",
    ]


def test_another_founder_and_another_officers_company_get_404(served, make_founder, make_staff):
    _user, _company, client, _officer, _officer_client = served
    request_id = open_request(client).json()["id"]
    _u, _c, stranger = make_founder()
    assert stranger.get(f"service-requests/{request_id}").status_code == 404
    assert stranger.post(f"service-requests/{request_id}/messages", {"text": "hi"}).status_code == 404
    _other, other_officer = make_staff("service_officer")
    assert other_officer.get(f"staff/service-requests/{request_id}").status_code == 404
    assert (
        other_officer.post(f"staff/service-requests/{request_id}/resolve", {"resolution": "x"}).status_code
        == 404
    )
    assert request_id not in [r["id"] for r in other_officer.get("staff/service-requests").json()]
    _admin, admin_client = make_staff("town_admin")
    assert admin_client.get(f"staff/service-requests/{request_id}").status_code == 200
    _reviewer, reviewer = make_staff("reviewer")
    assert reviewer.get(f"staff/service-requests/{request_id}").status_code == 403
    assert ServiceRequest.objects.get(pk=request_id).status == "open"


def test_an_officer_sees_only_the_companies_they_serve_unless_town_admin(served, make_founder, make_staff):
    _user, company, _client, officer_user, officer_client = served
    _u, other_company, _c = make_founder()
    assert officer_client.get(f"staff/companies/{company.pk}/timeline").status_code == 200
    assert officer_client.get(f"staff/companies/{other_company.pk}/timeline").status_code == 404
    page = Client()
    page.force_login(officer_user)
    assert page.get(f"/staff/companies/{company.pk}/").status_code == 200
    assert page.get(f"/staff/companies/{other_company.pk}/").status_code == 404
    admin_user, admin_client = make_staff("town_admin")
    assert admin_client.get(f"staff/companies/{other_company.pk}/timeline").status_code == 200
    page.force_login(admin_user)
    assert page.get(f"/staff/companies/{other_company.pk}/").status_code == 200


def test_the_founder_sees_their_officer(served, make_founder):
    _user, _company, client, officer_user, _officer_client = served
    body = client.get("me/officer").json()
    assert body["id"] == officer_user.pk and body["phone"] == officer_user.phone and body["name"]
    _u, _c, lonely = make_founder()
    missing = lonely.get("me/officer")
    assert missing.status_code == 404 and missing.json()["message"] and missing.json()["message_en"]


def test_a_new_company_goes_to_the_least_loaded_officer(make_staff, make_founder):
    from beiyang.accounts.tests.factories import UserFactory
    from beiyang.companies.actions import do_save_my_company
    from beiyang.companies.tests.factories import next_credit_code

    busy, _ = make_staff("service_officer")
    idle, _ = make_staff("service_officer")
    _u, company, _c = make_founder()
    OfficerAssignment.objects.create(company=company, officer=busy)
    founder = UserFactory()
    created = do_save_my_company(
        founder, {"name": "新企业(上海)有限公司", "credit_code": next_credit_code(), "district": "徐汇"}
    )
    assert OfficerAssignment.objects.get(company=created).officer == idle
    assert AuditEntry.objects.filter(
        action_type="service.officer.assigned", object_id=str(created.pk)
    ).exists()
    assert Message.objects.filter(user=founder, kind="service", title__startswith="您的专属服务专员").exists()


def test_bulk_assignment_balances_caseload_and_only_admins_assign(make_staff, make_founder):
    one, _ = make_staff("service_officer")
    two, officer_client = make_staff("service_officer")
    _admin, admin_client = make_staff("town_admin")
    companies = [make_founder()[1] for _ in range(5)]
    OfficerAssignment.objects.create(company=companies[0], officer=one)
    denied = officer_client.post("staff/officer-assignments", {})
    assert denied.status_code == 403 and denied.json()["message_en"]
    response = admin_client.post("staff/officer-assignments", {})
    assert response.status_code == 200 and len(response.json()) == 4
    loads = sorted(OfficerAssignment.objects.filter(officer__in=[one, two]).values_list("officer", flat=True))
    assert sorted([loads.count(one.pk), loads.count(two.pk)]) == [2, 3]
    founder_client = make_founder()[2]
    assert (
        founder_client.put(f"staff/companies/{companies[0].pk}/officer", {"user_id": one.pk}).status_code
        == 404
    )
    assert founder_client.get(f"staff/companies/{companies[0].pk}/timeline").status_code == 404
    assert OfficerAssignment.objects.get(company=companies[0]).officer == one
    bad = admin_client.put(f"staff/companies/{companies[0].pk}/officer", {"user_id": _admin.pk + 10_000})
    assert bad.status_code == 400


def test_moving_a_company_moves_its_open_requests(served, make_staff, admin):
    _user, company, client, _officer, _oc = served
    request_id = open_request(client).json()["id"]
    newcomer, newcomer_client = make_staff("service_officer")
    _a, admin_client = admin
    assert (
        admin_client.put(f"staff/companies/{company.pk}/officer", {"user_id": newcomer.pk}).status_code == 200
    )
    assert ServiceRequest.objects.get(pk=request_id).officer == newcomer
    assert newcomer_client.get(f"staff/service-requests/{request_id}").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"category": "tax-evasion", "title": "x"}, "category"),
        ({"category": "office", "title": "   "}, "title"),
        ({"category": "office"}, "title"),
        ({"category": "office", "title": "x" * 121}, "title"),
        ({"title": "x"}, "category"),
        ({"category": "office", "title": "x", "priority": "high"}, "priority"),
    ],
)
def test_bad_requests_are_refused_in_both_languages_and_write_nothing(served, body, field):
    _user, _company, client, _officer, _oc = served
    audits = AuditEntry.objects.count()
    response = client.post("service-requests", body)
    assert response.status_code in (400, 422), response.content  # 422: the body's shape is wrong
    error = response.json()
    assert error["message"] and error["message_en"] and error.get("field") == field
    assert not error["message"].isascii()
    assert ServiceRequest.objects.count() == 0 and AuditEntry.objects.count() == audits


@pytest.mark.parametrize(
    "rating, status", [(0, 422), (6, 422), (-1, 422), ("5", 422), (3.5, 422), (True, 422)]
)
def test_ratings_outside_one_to_five_are_refused(served, rating, status):
    _user, _company, client, _officer, officer_client = served
    request_id = open_request(client).json()["id"]
    officer_client.post(f"staff/service-requests/{request_id}/resolve", {"resolution": "done"})
    response = client.post(f"service-requests/{request_id}/rate", {"rating": rating})
    assert response.status_code == status and response.json()["message_en"]
    assert ServiceRequest.objects.get(pk=request_id).rating is None


def test_rating_an_open_request_is_refused(served):
    _user, _company, client, _officer, _oc = served
    request_id = open_request(client).json()["id"]
    audits = AuditEntry.objects.count()
    response = client.post(f"service-requests/{request_id}/rate", {"rating": 5})
    assert response.status_code == 409
    assert "不能评价" in response.json()["message"] and response.json()["message_en"]
    assert ServiceRequest.objects.get(pk=request_id).rating is None and AuditEntry.objects.count() == audits


def test_messages_and_files_in_the_thread(served):
    _user, _company, client, officer_user, officer_client = served
    request_id = open_request(client).json()["id"]
    text = client.post(f"service-requests/{request_id}/messages", {"text": "补充:租赁合同见附件"})
    assert text.status_code == 201 and text.json()["role"] == "founder"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client.client.post(
        f"/api/v1/service-requests/{request_id}/messages",
        {"text": "合同", "file": SimpleUploadedFile("lease.pdf", PDF, content_type="application/pdf")},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert upload.status_code == 201, upload.content
    url = upload.json()["file_url"]
    own = client.client.get(url, headers={"Authorization": f"Bearer {client.token}"})
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF
    staff_url = officer_client.get(f"staff/service-requests/{request_id}").json()["messages"][1]["file_url"]
    assert officer_client.get(staff_url).status_code == 200
    fake = client.client.post(
        f"/api/v1/service-requests/{request_id}/messages",
        {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00", content_type="application/pdf")},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert fake.status_code == 400 and fake.json()["message_en"]
    empty = client.post(f"service-requests/{request_id}/messages", {"text": ""})
    assert empty.status_code == 400
    assert ServiceMessage.objects.filter(request_id=request_id).count() == 2
    assert Message.objects.filter(user=officer_user, title__startswith="创业者留言").count() == 2


def test_reopen_within_seven_days_only(served, at):
    _user, _company, client, _officer, officer_client = served
    at(2026, 3, 2, 10)
    request_id = open_request(client).json()["id"]
    officer_client.post(f"staff/service-requests/{request_id}/resolve", {"resolution": "done"})
    at(2026, 3, 9, 9)
    first_due = ServiceRequest.objects.get(pk=request_id).first_response_due
    reopened = client.post(f"service-requests/{request_id}/reopen", {"reason": "还没有收到回执"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    # a fresh resolution clock from the reopening (Monday 9 March, 09:00 + 5 working days)
    again = ServiceRequest.objects.get(pk=request_id)
    assert again.first_response_due == first_due
    assert again.resolve_due == dt.datetime(2026, 3, 13, 18, tzinfo=SHANGHAI)
    officer_client.post(f"staff/service-requests/{request_id}/resolve", {"resolution": "回执已寄出"})
    at(2026, 3, 16, 10)
    late = client.post(f"service-requests/{request_id}/reopen", {})
    assert late.status_code == 409 and late.json()["code"] == "reopen_window_passed"


def test_clocks_run_in_working_hours_across_a_tiaoxiu_weekend(served, at):
    _user, _company, client, _officer, _oc = served
    # Friday 13 February 2026, 16:00. Saturday the 14th is a 调休 working day; Spring Festival
    # follows (15–23 February off).
    at(2026, 2, 13, 16)
    body = open_request(client, category="policy").json()
    # policy: 4 working hours to respond, 2 working days (18 service hours) to resolve
    assert dt.datetime.fromisoformat(body["first_response_due"]) == dt.datetime(
        2026, 2, 14, 11, tzinfo=SHANGHAI
    )
    assert dt.datetime.fromisoformat(body["resolve_due"]) == dt.datetime(2026, 2, 24, 16, tzinfo=SHANGHAI)


def test_the_clock_pauses_while_waiting_for_the_founder(served, at):
    _user, _company, client, _officer, officer_client = served
    at(2026, 3, 2, 9)  # Monday
    request_id = open_request(client, category="invoice").json()["id"]  # 3 working days: Thu 09:00
    at(2026, 3, 2, 10)
    officer_client.post(
        f"staff/service-requests/{request_id}/reply", {"text": "请上传发票", "wait_for_founder": True}
    )
    paused = client.get(f"service-requests/{request_id}").json()
    assert paused["status"] == "waiting_founder" and paused["clock"] == "paused"
    at(2026, 3, 4, 10)  # two days later the founder answers: 26 service hours were left
    client.post(f"service-requests/{request_id}/messages", {"text": "已上传"})
    resumed = client.get(f"service-requests/{request_id}").json()
    assert resumed["status"] == "in_progress"
    assert dt.datetime.fromisoformat(resumed["resolve_due"]) == dt.datetime(2026, 3, 6, 18, tzinfo=SHANGHAI)
    # paused requests are never reminded or escalated
    officer_client.post(
        f"staff/service-requests/{request_id}/reply", {"text": "再补一份", "wait_for_founder": True}
    )
    assert do_send_service_reminders(dt.datetime(2026, 4, 1, 10, tzinfo=SHANGHAI)) == {
        "reminded": 0,
        "escalated": 0,
    }


def test_reminder_before_and_escalation_once_breached(served, admin, at):
    _user, _company, client, officer_user, _oc = served
    admin_user, _admin_client = admin
    at(2026, 3, 2, 9)
    request_id = open_request(client, category="policy").json()["id"]  # respond by 13:00
    assert do_send_service_reminders(dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)) == {
        "reminded": 0,
        "escalated": 0,
    }
    assert do_send_service_reminders(dt.datetime(2026, 3, 2, 11, 30, tzinfo=SHANGHAI))["reminded"] == 1
    assert Message.objects.filter(user=officer_user, title__contains="首次响应即将到期").count() == 1
    later = dt.datetime(2026, 3, 2, 13, 1, tzinfo=SHANGHAI)
    assert do_send_service_reminders(later)["escalated"] == 1
    assert do_send_service_reminders(later + dt.timedelta(hours=1))["escalated"] == 0
    assert Message.objects.filter(user=admin_user, title__contains="首次响应超时").count() == 1
    assert (
        AuditEntry.objects.filter(action_type="service.request.escalated", object_id=str(request_id)).count()
        == 1
    )


def say(client, text, conversation_id=None):
    body = {"text": text, **({"conversation_id": conversation_id} if conversation_id else {})}
    return client.post("agent/messages", body).json()


def test_the_agents_handover_lands_with_the_companys_officer(served):
    user, company, client, officer_user, officer_client = served
    say(client, "我想问下人才公寓怎么申请")
    out = say(client, "转人工", conversation_id=None)
    request = ServiceRequest.objects.get(source="agent")
    assert request.officer == officer_user and request.company == company and request.requester == user
    assert Message.objects.filter(user=officer_user, data__service_request_id=request.pk).exists()
    first = officer_client.get(f"staff/service-requests/{request.pk}").json()["messages"][0]
    assert first["role"] == "agent" and "转人工" in first["text"]
    officer_client.post(f"staff/service-requests/{request.pk}/reply", {"text": "您好,我是您的专员"})
    from beiyang.agent.models import Conversation, Turn

    assert Turn.objects.filter(
        conversation_id=out["conversation_id"], role="staff", text="您好,我是您的专员"
    ).exists()
    assert Conversation.objects.get(pk=out["conversation_id"]).handed_over  # still the team's
    assert Message.objects.filter(user=user, body="您好,我是您的专员").exists()


def test_a_visitors_handover_goes_to_the_pool(api, officer):
    officer_user, officer_client = officer
    say(api, "转人工")
    request = ServiceRequest.objects.get(source="agent")
    assert request.officer is None and request.company is None and request.requester is None
    assert [r["id"] for r in officer_client.get("staff/service-requests?assignee=none").json()] == [
        request.pk
    ]
    taken = officer_client.post(
        f"staff/service-requests/{request.pk}/reassign", {"officer_id": officer_user.pk}
    )
    assert taken.status_code == 200 and taken.json()["officer_id"] == officer_user.pk


def test_the_company_timeline(served):
    _user, company, client, _officer, officer_client = served
    request_id = open_request(client).json()["id"]
    officer_client.post(f"staff/service-requests/{request_id}/resolve", {"resolution": "done"})
    items = client.get("me/timeline").json()
    assert [i["kind"] for i in items][:2] == ["service_resolved", "service"]
    assert items[0]["link"] == f"/service/{request_id}/"
    staff_items = officer_client.get(f"staff/companies/{company.pk}/timeline").json()
    assert staff_items[0]["link"] == f"/staff/service/{request_id}/"


def test_service_figures_on_the_staff_dashboard(served):
    _user, _company, client, officer_user, officer_client = served
    first = open_request(client).json()["id"]
    open_request(client, category="office")
    officer_client.post(f"staff/service-requests/{first}/resolve", {"resolution": "done"})
    client.post(f"service-requests/{first}/rate", {"rating": 4})
    figures = officer_client.get("staff/service-figures").json()
    assert {r["category"]: r["count"] for r in figures["open_by_category"]}["office"] == 1
    assert figures["satisfaction"] == {"average": 4.0, "ratings": 1}
    assert figures["resolution"]["within_limit"] == 1.0
    assert figures["caseload"][0]["officer_id"] == officer_user.pk
    page = Client()
    page.force_login(officer_user)
    html = page.get("/staff/dashboard/").content.decode()
    assert "服务请求" in html and "办公选址" in html


def test_createstaff_knows_the_officer_role(db):
    from beiyang.accounts.models import User
    from beiyang.accounts.roles import has_role

    call_command("createstaff", phone="13900000099", password="Beiyang@2027", role="service_officer")
    assert has_role(User.objects.get(phone="13900000099"), "service_officer")


def test_pages_are_chinese_first_without_codes(served):
    user, company, client, officer_user, _officer_client = served
    request_id = open_request(client).json()["id"]
    founder_page = Client()
    founder_page.force_login(user)
    for url in ["/service/", f"/service/{request_id}/", "/timeline/", "/me/"]:
        html = founder_page.get(url).content.decode()
        assert ("width=device-width" in html and "注册落户" in html) or url in ("/timeline/", "/me/"), url
        for code in ("registration", "in_progress", "waiting_founder", "service.request"):
            assert f">{code}<" not in html and f" {code} " not in html, (url, code)
    assert "服务专员" in founder_page.get("/me/").content.decode()
    created = founder_page.post("/service/", {"category": "office", "title": "找工位", "description": ""})
    assert created.status_code == 302 and ServiceRequest.objects.filter(title="找工位").exists()
    staff_page = Client()
    staff_page.force_login(officer_user)
    for url in ["/staff/service/", f"/staff/service/{request_id}/", f"/staff/companies/{company.pk}/"]:
        html = staff_page.get(url).content.decode()
        assert "工商注册地址迁入徐汇" in html, url
    staff_page.post(f"/staff/service/{request_id}/", {"step": "resolve", "resolution": "已办结"})
    assert ServiceRequest.objects.get(pk=request_id).status == "resolved"


def test_the_queue_page_lists_my_companies_and_admins_balance_from_it(served, make_founder, admin):
    _user, company, _client, officer_user, _oc = served
    _u, lonely, _c = make_founder()
    page = Client()
    page.force_login(officer_user)
    html = page.get("/staff/service/").content.decode()
    assert "我服务的企业" in html and company.name in html and lonely.name not in html
    assert page.post("/staff/service/", {"step": "assign_balanced"}).status_code == 302
    assert not OfficerAssignment.objects.filter(company=lonely).exists()  # officers may not
    page.force_login(admin[0])
    page.post("/staff/service/", {"step": "assign_balanced"})
    assert OfficerAssignment.objects.get(company=lonely).officer == officer_user


def test_officers_export_the_requests_with_their_clocks(served):
    import csv
    import io

    import openpyxl
    from conftest import page_client

    _user, _company, client, officer_user, officer_client = served
    request_id = open_request(client, title='=HYPERLINK("http://x")').json()["id"]
    officer_client.post(f"staff/service-requests/{request_id}/resolve", {"resolution": "已办"})
    officer = page_client(officer_user)
    text = officer.get("/staff/service/?export=csv&status=resolved").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "编号 id" and rows[1][0] == str(request_id)
    assert rows[1][3].startswith("'=") and rows[1][4] == "已办结 Resolved" and rows[1][11] == "是 yes"
    book = openpyxl.load_workbook(
        io.BytesIO(officer.get("/staff/service/?export=xlsx&status=resolved").content)
    )
    assert book.active.cell(row=2, column=4).data_type == "s"  # text, never a formula
    assert page_client(_user).get("/staff/service/?export=csv").status_code == 403
