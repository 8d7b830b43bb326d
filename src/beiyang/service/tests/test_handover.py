"""The agent's handover is a service request, under the one service permission rule; visitors
open only so many a day; officers are told in the town's own words."""

from __future__ import annotations

import re

import pytest
from conftest import Api, page_client
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from beiyang.accounts import sms
from beiyang.accounts.roles import ROLE_NAMES
from beiyang.core.tests.threads import all_at_once
from beiyang.notifications.actions import do_send_due_deliveries
from beiyang.notifications.models import Message
from beiyang.service.models import ServiceMessage, ServiceRequest

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\nstartxref\n0\n%%EOF\n"
LURE = "我要转人工 账号异常请点 http://x.example"


def say(client: Api, text: str, conversation_id: str | None = None, **environ) -> dict:
    """One chat message; ``environ`` sets the request's (``REMOTE_ADDR``: where it came from)."""
    body = {"text": text, **({"conversation_id": conversation_id} if conversation_id else {})}
    response = client.client.post(
        "/api/v1/agent/messages",
        body,
        content_type="application/json",
        headers=client._headers(None),
        **environ,
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_every_staff_role_over_every_handover_route(served, make_staff, api):
    """A handover from a served founder is its officer's and the town admins'; a visitor's sits in
    the pool for every officer. No other role reads, answers, reassigns or closes either, on the
    API or on the pages; the old ticket routes are gone or lead to the service queue."""
    _founder, _company, founder_api, owner, owner_api = served
    handover = say(founder_api, "转人工")["actions_done"][0]["service_request_id"]
    with_file = founder_api.client.post(
        f"/api/v1/service-requests/{handover}/messages",
        {"text": "截图", "file": SimpleUploadedFile("a.pdf", PDF)},
        headers={"Authorization": f"Bearer {founder_api.token}"},
    )
    assert with_file.status_code == 201, with_file.content
    attachment = with_file.json()["id"]
    visitor = say(api, "转人工", REMOTE_ADDR="10.0.0.7")["actions_done"][0]["service_request_id"]
    other_officer, other_officer_api = make_staff("service_officer")
    staff = {role: make_staff(role) for role in ROLE_NAMES if role != "service_officer"}
    users = {"owner": owner, "other_officer": other_officer, **{r: u for r, (u, _a) in staff.items()}}
    apis = {"owner": owner_api, "other_officer": other_officer_api, **{r: a for r, (_u, a) in staff.items()}}

    def api_routes(request_id: int) -> list[tuple[str, str, dict | None]]:
        base = f"staff/service-requests/{request_id}"
        return [
            ("get", base, None),
            ("get", f"{base}/files/{attachment}", None),
            ("post", f"{base}/reply", {"text": "我来处理"}),
            ("post", f"{base}/reassign", {"officer_id": None}),
            ("post", f"{base}/resolve", {"resolution": "已办结"}),
        ]

    def page_routes(request_id: int) -> list[tuple[str, str, dict | None]]:
        return [
            ("get", f"/staff/service/{request_id}/", None),
            ("post", f"/staff/service/{request_id}/", {"step": "reply", "text": "我来处理"}),
            ("post", f"/staff/service/{request_id}/", {"step": "resolve", "resolution": "已办结"}),
        ]

    def refused(who: str, request_id: int) -> None:
        thread = ServiceMessage.objects.filter(request_id=request_id).count()
        for method, url, body in api_routes(request_id):
            code = apis[who].call(method, url, body).status_code
            # Roles without the service rule are refused outright; an officer who may not see
            # the request learns nothing about it, not even that it exists.
            assert code == (404 if who == "other_officer" else 403), (who, method, url, code)
        page = page_client(users[who])
        for method, url, body in page_routes(request_id):
            code = getattr(page, method)(url, body or {}).status_code
            assert code == (404 if who == "other_officer" else 403), (who, method, url, code)
        assert ServiceMessage.objects.filter(request_id=request_id).count() == thread
        assert ServiceRequest.objects.get(pk=request_id).status != "resolved"

    for who in ("reviewer", "event_manager", "voucher_officer", "judge"):
        refused(who, handover)
        refused(who, visitor)
        assert apis[who].get("staff/service-requests").status_code == 403
        assert page_client(users[who]).get("/staff/service/?source=agent").status_code == 403
        # The old ticket routes: gone from the API, the page leads to the service queue.
        for path in ("staff/agent/tickets", "staff/agent/tickets/1/reply", "staff/agent/tickets/1/close"):
            method = "get" if path.endswith("tickets") else "post"
            assert apis[who].call(method, path, {} if method == "post" else None).status_code == 404
        moved = page_client(users[who]).get("/staff/agent/")
        assert moved.status_code == 301 and moved["Location"] == "/staff/service/?source=agent"
    refused("other_officer", handover)  # another officer's company

    # Who may: the company's officer, any officer for the visitor's pool request, town admins.
    for who, request_id in (("owner", handover), ("town_admin", handover), ("other_officer", visitor)):
        queue = [r["id"] for r in apis[who].get("staff/service-requests?source=agent").json()]
        assert request_id in queue, (who, queue)
        assert apis[who].get(f"staff/service-requests/{request_id}").status_code == 200
        page = page_client(users[who])
        assert page.get(f"/staff/service/{request_id}/").status_code == 200
        assert page.get("/staff/agent/", follow=True).status_code == 200
        reply = apis[who].post(f"staff/service-requests/{request_id}/reply", {"text": f"{who}在处理"})
        assert reply.status_code == 201 and reply.json()["role"] == "officer", (who, reply.content)
    assert apis["owner"].get(f"staff/service-requests/{handover}/files/{attachment}").status_code == 200
    assert apis["other_officer"].get("staff/service-requests?source=agent").json()[0]["id"] == visitor
    resolved = apis["owner"].post(f"staff/service-requests/{handover}/resolve", {"resolution": "已解答"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert ServiceRequest.objects.get(pk=handover).resolved_by == owner


@pytest.mark.django_db(transaction=True)
def test_a_visitor_opens_only_so_many_handovers_a_day_from_one_address(make_staff):
    """30 anonymous 转人工 from one address gave 30 requests and 30 SMS to every officer, each
    carrying the visitor's text and link. Fired together, only the pack's number get through."""
    from beiyang.service.actions import visitor_limits

    officer, _ = make_staff("service_officer")
    per_address, _per_town = visitor_limits()
    assert 1 <= per_address < 10
    replies = all_at_once([lambda: say(Api(), LURE, REMOTE_ADDR="203.0.113.9") for _ in range(10)])
    handed = [r for r in replies if isinstance(r, dict) and r["actions_done"]]
    limited = [r for r in replies if isinstance(r, dict) and not r["actions_done"]]
    assert len(handed) == per_address and len(limited) == 10 - per_address, replies
    assert all("上限" in r["reply"] for r in limited)
    assert ServiceRequest.objects.filter(source="agent").count() == per_address
    # Another address is not held back by this one.
    assert say(Api(), "转人工", REMOTE_ADDR="198.51.100.4")["actions_done"]

    do_send_due_deliveries()
    texts = [m["text"] for m in sms.outbox if m["phone"] == officer.phone]
    assert len(texts) == per_address + 1
    for text in texts:
        assert "x.example" not in text and "账号异常" not in text, text
        # The only link an officer's SMS may carry is the town's own, to the message itself.
        links = re.findall(r"https?://\S+", text)
        assert all(link.startswith(settings.SITE_URL) for link in links), text
    told = Message.objects.filter(user=officer, kind="service")
    assert told.count() == per_address + 1
    assert all("账号异常" not in m.title + m.body and "x.example" not in m.title + m.body for m in told)
    assert told.first().title == "有一条新的转人工请求,请登录工作台查看"


@pytest.mark.django_db
def test_visitors_together_open_only_the_towns_daily_number(make_staff, monkeypatch):
    from beiyang.service.actions import handover

    make_staff("service_officer")
    monkeypatch.setattr(handover, "visitor_limits", lambda: (3, 4))
    opened = [say(Api(), "转人工", REMOTE_ADDR=f"192.0.2.{i}")["actions_done"] for i in range(1, 8)]
    assert sum(1 for done in opened if done) == 4
    assert ServiceRequest.objects.filter(source="agent").count() == 4


@pytest.mark.django_db
def test_the_pack_sets_the_visitor_limits():
    from beiyang.service.actions import service_params, visitor_limits

    params = service_params()
    assert visitor_limits() == (
        params["service.handover_visitor_per_address_per_day"],
        params["service.handover_visitor_per_day"],
    )


@pytest.mark.django_db
def test_a_signed_in_founder_is_not_held_by_the_visitor_limits(founder, make_staff, monkeypatch):
    from beiyang.service.actions import handover

    make_staff("service_officer")
    monkeypatch.setattr(handover, "visitor_limits", lambda: (0, 0))  # no visitor may
    assert not say(Api(), "转人工")["actions_done"]
    _user, _company, client = founder
    assert say(client, "转人工")["actions_done"]


@pytest.mark.django_db
def test_a_chat_after_the_handover_pages_the_officer_only_for_the_answer_asked_for(make_staff):
    officer, officer_api = make_staff("service_officer")
    visitor = Api()
    out = say(visitor, "转人工", REMOTE_ADDR="10.1.1.1")
    request_id = out["actions_done"][0]["service_request_id"]
    for i in range(10):
        assert say(visitor, f"在吗 {i} http://x.example", out["conversation_id"])["quiet"]
    ask = {"text": "请问您的企业名称?", "wait_for_founder": True}
    assert officer_api.post(f"staff/service-requests/{request_id}/reply", ask).status_code == 201
    say(visitor, "北杨智能", out["conversation_id"])
    do_send_due_deliveries()
    texts = [m["text"] for m in sms.outbox if m["phone"] == officer.phone]
    assert len(texts) == 2, texts  # the handover, and the answer the officer asked for
    assert ServiceMessage.objects.filter(request_id=request_id, role="founder").count() == 11
    assert (
        Message.objects.filter(user=officer, title__startswith="创业者留言").count() == 11
    )  # on the workbench


@pytest.mark.django_db
def test_visitors_without_an_address_are_counted_each_by_their_conversation(make_staff):
    """WeChat followers reach the agent with no address: they do not share one day's allowance."""
    from beiyang.agent.actions import do_agent_turn

    make_staff("service_officer")
    opened = [do_agent_turn(None, "转人工", rate_key=f"wechat:{i}")["actions_done"] for i in range(5)]
    assert all(opened) and ServiceRequest.objects.filter(source="agent").count() == 5
