"""陪你一起跑: officers for companies, and service requests tracked to done.

Each action is one state change with its audit entry and a message to the other side; the
messages go live on the stream after commit (``do_send_message``). Requests are locked (and
re-checked) before every change, so two officers acting at once leave one state."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from beiyang.accounts.roles import has_role
from beiyang.companies.models import Company, Membership
from beiyang.companies.queries import member_ids
from beiyang.core.audit import log_action
from beiyang.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from beiyang.core.uploads import sniff
from beiyang.core.words import moment_words
from beiyang.notifications.actions import do_send_message
from beiyang.service.clock import ServiceHours
from beiyang.service.models import (
    CATEGORIES,
    LIVE,
    STATUSES,
    OfficerAssignment,
    ServiceMessage,
    ServiceRequest,
)

MAX_TEXT = 4000
ROLE = "service_officer"


# --- the pack's clocks ----------------------------------------------------------------------------


def service_params(on: dt.date | None = None) -> dict[str, Any]:
    """The ``service.*`` parameters in force; a published pack from before they existed falls
    back to the pack shipped in the repository for them."""
    from beiyang.policies.queries import current_pack, disk_pack

    on = on or timezone.localdate()
    params = current_pack().params_at(on)
    if params.get("service.workday_start_hour") is None:
        params = disk_pack().params_at(on)
    return {k: v for k, v in params.items() if k.startswith("service.")}


def service_hours(params: dict[str, Any] | None = None) -> ServiceHours:
    params = params or service_params()
    return ServiceHours(int(params["service.workday_start_hour"]), int(params["service.workday_end_hour"]))


def limits(category: str, params: dict[str, Any] | None = None) -> tuple[int, int]:
    """(first response, resolution) limits of a category in working minutes."""
    params = params or service_params()
    hours = service_hours(params)
    return (
        int(params[f"service.first_response_hours.{category}"]) * 60,
        int(params[f"service.resolve_days.{category}"]) * hours.minutes_per_day,
    )


def _start_clocks(request: ServiceRequest, now: dt.datetime) -> None:
    params = service_params(timezone.localdate(now))
    hours = service_hours(params)
    respond, resolve = limits(request.category, params)
    local = timezone.localtime(now)
    request.first_response_due, guess1 = hours.add(local, respond)
    request.resolve_due, guess2 = hours.add(local, resolve)
    request.due_estimated = guess1 or guess2


# --- officers ---------------------------------------------------------------------------------------


def officers():
    """Active staff holding the officer role (town admins supervise; they are not given companies)."""
    return get_user_model().objects.filter(groups__name=ROLE, is_active=True, is_staff=True).distinct()


def caseloads() -> list[Any]:
    """Officers with ``companies`` and ``open_requests`` counted, least loaded first."""
    return list(
        officers()
        .annotate(
            companies=Count("served_companies", distinct=True),
            open_requests=Count("service_cases", filter=Q(service_cases__status__in=LIVE), distinct=True),
        )
        .order_by("companies", "open_requests", "id")
    )


def _require_admin(staff) -> None:
    if not getattr(staff, "is_staff", False):
        # A founder learns nothing about other companies, not even that the id exists.
        raise NotFound("企业不存在", "No such company", field="company_id")
    if not has_role(staff, "town_admin"):
        raise AccessDenied("仅小镇管理员可以指派服务专员", "Only town administrators assign officers")


def _set_officer(company: Company, officer, actor) -> OfficerAssignment:
    """Helper inside the caller's transaction: assign, move the company's open requests along, tell
    the officer and the founders."""
    assignment = OfficerAssignment.objects.select_for_update().filter(company=company).first()
    before = assignment.officer_id if assignment else None
    if assignment is None:
        assignment = OfficerAssignment(company=company)
    assignment.officer, assignment.assigned_by = officer, actor if getattr(actor, "pk", None) else None
    assignment.save()
    moved = list(
        ServiceRequest.objects.filter(company=company, status__in=LIVE)
        .exclude(officer=officer)
        .values_list("id", flat=True)
    )
    ServiceRequest.objects.filter(pk__in=moved).update(officer=officer)
    log_action(
        "service.officer.assigned",
        actor=actor,
        actor_label="" if getattr(actor, "pk", None) else "auto",
        obj=company,
        officer_id=officer.pk,
        was=before,
        requests_moved=moved,
    )
    if before != officer.pk:
        do_send_message(
            officer.pk,
            kind="service",
            title=f"您有新的服务企业:{company.name}",
            body="请尽快与企业取得联系。",
            title_en=f"A company for you to serve: {company.name}",
            link=f"/staff/companies/{company.pk}/",
            data={"company_id": company.pk},
        )
        for user_id in member_ids(company):
            do_send_message(
                user_id,
                kind="service",
                title=f"您的专属服务专员:{officer.name or officer.masked_phone}",
                body="“陪你一起跑”服务团队为您指定了专属服务专员,有事可随时发起服务请求。",
                title_en="Your service officer",
                link="/service/",
                data={"officer_id": officer.pk},
                channels=False,
            )
    return assignment


@transaction.atomic(durable=True)
def check_assign_officer(staff, company_id: int, officer_id: int | None) -> OfficerAssignment:
    """A town admin gives a company its officer (and its open requests with it)."""
    _require_admin(staff)
    if officer_id is None:
        raise InvalidInput("请选择服务专员", "user_id is required", field="user_id", code="required")
    company = Company.objects.select_for_update().filter(pk=company_id).first()
    if company is None:
        raise NotFound("企业不存在", "No such company", field="company_id")
    officer = officers().filter(pk=officer_id).first()
    if officer is None:
        raise InvalidInput("被指派人须为服务专员", "The user must be a service officer", field="user_id")
    return _set_officer(company, officer, staff)


@transaction.atomic(durable=True)
def check_assign_balanced(staff, company_ids: list[int] | None = None) -> list[OfficerAssignment]:
    """Assign many companies at once (all without an officer when ``company_ids`` is None), each
    to the officer with the fewest companies at that moment."""
    _require_admin(staff)
    if company_ids is not None and not 1 <= len(company_ids) <= 1000:
        raise InvalidInput("请选择1到1000家企业", "Choose 1-1000 companies", field="company_ids")
    pool = caseloads()
    if not pool:
        raise Conflict("还没有服务专员", "There are no service officers yet", code="no_officers")
    loads = {o.pk: o.companies for o in pool}
    by_id = {o.pk: o for o in pool}
    qs = Company.objects.select_for_update().order_by("id")
    qs = (
        qs.filter(pk__in=company_ids)
        if company_ids is not None
        # a subquery, not a join: PostgreSQL will not lock the nullable side of an outer join
        else qs.exclude(pk__in=OfficerAssignment.objects.values("company_id"))
    )
    done = []
    for company in qs:
        current = (
            OfficerAssignment.objects.filter(company=company).values_list("officer_id", flat=True).first()
        )
        if current in loads:
            loads[current] -= 1
        chosen = min(loads, key=lambda pk: (loads[pk], pk))
        loads[chosen] += 1
        done.append(_set_officer(company, by_id[chosen], staff))
    return done


def assign_new_company(company: Company) -> OfficerAssignment | None:
    """Helper inside the company's creation: the least-loaded officer, if there is one."""
    pool = caseloads()
    if not pool:
        return None
    return _set_officer(company, pool[0], None)


def officer_of(company_id: int | None):
    if company_id is None:
        return None
    assignment = OfficerAssignment.objects.select_related("officer").filter(company_id=company_id).first()
    return assignment.officer if assignment else None


# --- requests: the founder's side -----------------------------------------------------------------


def _clean_text(text: Any, field: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    if text is not None and not isinstance(text, str):
        raise InvalidInput("应为文字", f"{field} must be text", field=field)
    text = (text or "").strip()
    if required and not text:
        raise InvalidInput("内容不能为空", f"{field} cannot be empty", field=field, code="required")
    if len(text) > limit:
        raise InvalidInput(f"内容不能超过{limit}字", f"{field} is over {limit} characters", field=field)
    return text


def _check_category(category: Any) -> str:
    if category not in CATEGORIES:
        labels = "、".join(v[0] for v in CATEGORIES.values())
        raise InvalidInput(
            f"未知的服务类别,可选:{labels}",
            f"Unknown category; one of {', '.join(CATEGORIES)}",
            field="category",
            code="invalid_category",
        )
    return category


def _founder_ids(request: ServiceRequest) -> list[int]:
    ids = []
    if request.company_id:
        ids = member_ids(request.company_id)
    if request.requester_id and request.requester_id not in ids:
        ids.append(request.requester_id)
    return ids


def _founder_link(request: ServiceRequest) -> str:
    # A handover is answered where the founder asked: in the agent's chat.
    if request.conversation_id and request.requester_id:
        return f"/agent/?c={request.conversation_id}"
    return f"/service/{request.pk}/"


def _tell_founders(request: ServiceRequest, title: str, body: str, title_en: str) -> None:
    for user_id in _founder_ids(request):
        do_send_message(
            user_id,
            kind="service",
            title=title,
            body=body[:500],
            title_en=title_en,
            link=_founder_link(request),
            data={"service_request_id": request.pk},
        )


def _tell_staff(request: ServiceRequest, title: str, body: str, title_en: str) -> None:
    """The officer, or every officer while the request is in the pool."""
    targets = [request.officer_id] if request.officer_id else list(officers().values_list("id", flat=True))
    for user_id in targets:
        do_send_message(
            user_id,
            kind="service",
            title=title,
            body=body[:500],
            title_en=title_en,
            link=f"/staff/service/{request.pk}/",
            data={"service_request_id": request.pk},
        )


def _attach(message: ServiceMessage, upload: UploadedFile | None) -> None:
    if upload is None:
        return
    ext, kind = sniff(upload)  # one check of the bytes for every upload in the town
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    message.sha256 = digest.hexdigest()
    message.original_name = (upload.name or "")[-200:]
    message.size = upload.size
    message.content_type = kind.mime  # what the bytes are, never what the client claimed
    message.file.save(f"file.{ext}", upload, save=False)


def _create_request(
    *,
    company,
    requester,
    category: str,
    title: str,
    description: str,
    source: str = "portal",
    conversation=None,
) -> ServiceRequest:
    now = timezone.now()
    request = ServiceRequest(
        company=company,
        requester=requester,
        officer=officer_of(company.pk if company else None),
        category=category,
        title=title,
        description=description,
        source=source,
        conversation_id=conversation.pk if conversation is not None else None,
    )
    _start_clocks(request, now)
    request.save()
    log_action(
        "service.request.opened",
        actor=requester,
        obj=request,
        category=category,
        officer_id=request.officer_id,
        source=source,
        first_response_due=request.first_response_due,
        resolve_due=request.resolve_due,
    )
    _tell_staff(
        request,
        f"新的服务请求:{request.title}",
        f"{CATEGORIES[category][0]} · 请于{moment_words(request.first_response_due, en=False)}前首次回复",
        f"New service request #{request.pk}",
    )
    return request


@transaction.atomic(durable=True)
def do_open_request(user, *, category: Any, title: Any, description: Any = "") -> ServiceRequest:
    """A founder asks the team for something; it goes to their company's officer (or the pool)."""
    from beiyang.companies.queries import company_of

    category = _check_category(category)
    title = _clean_text(title, "title", required=True, limit=120)
    description = _clean_text(description, "description", required=False)
    return _create_request(
        company=company_of(user), requester=user, category=category, title=title, description=description
    )


def open_from_handover(user, conversation, reason: str) -> ServiceRequest:
    """The agent's 转人工: a request to the founder's company officer (a visitor's to the pool),
    the transcript as its first entry. Runs inside the agent's turn; one request a conversation
    while it is live."""
    from beiyang.companies.queries import company_of

    with transaction.atomic():
        live = ServiceRequest.objects.filter(conversation_id=conversation.pk, status__in=LIVE).first()
        if live is not None:
            return live
        person = user if getattr(user, "is_authenticated", False) else None
        title = (reason or "").strip()[:60] or "智能体转人工"
        request = _create_request(
            company=company_of(person) if person else None,
            requester=person,
            category="other",
            title=f"转人工:{title}",
            description=(reason or "")[:MAX_TEXT],
            source="agent",
            conversation=conversation,
        )
        transcript = "\n".join(
            f"{'创业者' if t.role == 'founder' else '智能体' if t.role == 'agent' else '工作人员'}:{t.text}"
            for t in conversation.turns.order_by("id")[:100]
        )
        ServiceMessage.objects.create(
            request=request, role="agent", text=f"对话记录:\n{transcript}\n创业者:{reason}"[:20_000]
        )
        return request


def _live_for_conversation(conversation_id) -> list[ServiceRequest]:
    return list(
        ServiceRequest.objects.select_for_update()
        .filter(conversation_id=conversation_id, status__in=LIVE)
        .order_by("pk")
    )


def record_handover_reply(staff, conversation_id, text: str) -> None:
    """A reply written on the agent's handover page (by any staff role) belongs to the request
    that handover opened: in its thread, on its first-response clock, in its status. The chat
    turn and the founder's message are the agent's to write. Runs inside the reply's transaction."""
    now = timezone.now()
    for request in _live_for_conversation(conversation_id):
        message = ServiceMessage.objects.create(request=request, author=staff, role="officer", text=text)
        request.first_responded_at = request.first_responded_at or now
        _back_in_progress(request, now)
        request.save()
        log_action("service.request.replied", actor=staff, obj=request, message_id=message.pk, via="handover")


def resolve_with_handover(staff, conversation_id) -> None:
    """Closing the handover in the chat ends the request it opened, said so in its thread, and
    the founder is invited to rate it, as any resolved request."""
    resolution = "人工服务已在对话中结束 The handover was closed in the chat"
    for request in _live_for_conversation(conversation_id):
        _mark_resolved(staff, request, resolution, via="handover")
        _tell_founders(
            request,
            f"服务请求已办结:{request.title}",
            "人工服务已结束,欢迎为本次服务评分。",
            f"Your request is resolved: #{request.pk}",
        )


def access_founder_request(user, request_id: int, *, lock: bool = False) -> ServiceRequest:
    """The request if the user's company (or the user) opened it; 404 otherwise, so ids do not leak."""
    qs = ServiceRequest.objects.select_for_update() if lock else ServiceRequest.objects.all()
    # Subqueries, not joins: PostgreSQL will not lock the nullable side of an outer join.
    mine = Membership.objects.filter(user=user).values("company_id")
    request = qs.filter(Q(requester=user) | Q(company_id__in=mine), pk=request_id).first()
    if request is None:
        raise NotFound("服务请求不存在", "No such service request", field="request_id")
    return request


def _transition(request: ServiceRequest, allowed: tuple[str, ...], verb: str, verb_en: str) -> None:
    if request.status not in allowed:
        raise Conflict(
            f"请求当前为“{STATUSES[request.status][0]}”,不能{verb}",
            f"A {request.status} request cannot be {verb_en}",
            field="status",
            code="invalid_transition",
        )


def _resume(request: ServiceRequest, now: dt.datetime) -> None:
    """The founder answered: the resolution clock runs again with what was left."""
    hours = service_hours()
    request.resolve_due, guess = hours.add(timezone.localtime(now), request.paused_minutes_left or 0)
    request.due_estimated |= guess
    request.paused_at, request.paused_minutes_left = None, None


def _back_in_progress(request: ServiceRequest, now: dt.datetime) -> None:
    """An officer answered: a clock paused for the founder runs again."""
    if request.status == "waiting_founder":
        _resume(request, now)
    request.status = "in_progress"


@transaction.atomic(durable=True)
def do_add_message(
    user, request_id: int, *, text: Any = "", upload: UploadedFile | None = None
) -> ServiceMessage:
    request = access_founder_request(user, request_id, lock=True)
    _transition(request, LIVE, "留言", "commented on")
    text = _clean_text(text, "text", required=upload is None)
    message = ServiceMessage(request=request, author=user, role="founder", text=text)
    _attach(message, upload)
    message.save()
    if request.status == "waiting_founder":
        request.status = "in_progress"
        _resume(request, timezone.now())
    request.save()
    log_action(
        "service.request.message_added",
        actor=user,
        obj=request,
        message_id=message.pk,
        file=message.original_name,
        resolve_due=request.resolve_due,
    )
    _tell_staff(
        request, f"创业者留言:{request.title}", text or message.original_name, f"New message on #{request.pk}"
    )
    return message


@transaction.atomic(durable=True)
def do_rate(user, request_id: int, *, rating: Any, comment: Any = "") -> ServiceRequest:
    request = access_founder_request(user, request_id, lock=True)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("评分应为1到5的整数", "rating must be a whole number from 1 to 5", field="rating")
    comment = _clean_text(comment, "comment", required=False, limit=500)
    _transition(request, ("resolved",), "评价", "rated")
    if request.rating is not None:
        raise Conflict(
            "该请求已评价过", "This request has been rated already", field="rating", code="already_rated"
        )
    request.rating, request.rating_comment, request.rated_at = rating, comment, timezone.now()
    request.save()
    log_action("service.request.rated", actor=user, obj=request, rating=rating, comment=comment)
    if request.officer_id:
        do_send_message(
            request.officer_id,
            kind="service",
            title=f"企业评价了服务:{'★' * rating}",
            body=comment,
            title_en=f"Rated {rating}/5: #{request.pk}",
            link=f"/staff/service/{request.pk}/",
            data={"service_request_id": request.pk},
            channels=False,
        )
    return request


def can_reopen(request: ServiceRequest, now: dt.datetime | None = None) -> bool:
    if request.status != "resolved" or request.resolved_at is None:
        return False
    days = int(service_params()["service.reopen_days"])
    return (now or timezone.now()) - request.resolved_at <= dt.timedelta(days=days)


@transaction.atomic(durable=True)
def do_reopen(user, request_id: int, *, reason: Any = "") -> ServiceRequest:
    request = access_founder_request(user, request_id, lock=True)
    reason = _clean_text(reason, "reason", required=False)
    _transition(request, ("resolved",), "重新打开", "reopened")
    if not can_reopen(request):
        days = service_params()["service.reopen_days"]
        raise Conflict(
            f"办结超过{days}天的请求不能重新打开,请发起新的请求",
            f"Requests resolved more than {days} days ago cannot be reopened; open a new one",
            code="reopen_window_passed",
        )
    now = timezone.now()
    was, answered_by = request.resolution, request.first_response_due
    _start_clocks(request, now)  # a fresh resolution clock; the first response stays what it was
    request.first_response_due = answered_by
    request.status, request.resolution, request.resolved_at, request.resolved_by = (
        "in_progress",
        "",
        None,
        None,
    )
    request.resolve_reminded_at = request.resolve_escalated_at = None
    request.save()
    if reason:
        ServiceMessage.objects.create(request=request, author=user, role="founder", text=reason)
    log_action("service.request.reopened", actor=user, obj=request, reason=reason, previous_resolution=was)
    _tell_staff(request, f"请求被重新打开:{request.title}", reason, f"Reopened: #{request.pk}")
    return request


# --- requests: the officer's side -----------------------------------------------------------------


def _require_officer(staff) -> None:
    if not has_role(staff, ROLE):
        raise AccessDenied("仅服务专员可以处理服务请求", "Only service officers handle service requests")


def visible_to(staff) -> Q:
    """Requests an officer may see: their own, their companies', and the pool. Town admins: all."""
    if has_role(staff, "town_admin"):
        return Q()
    served = OfficerAssignment.objects.filter(officer=staff).values("company_id")
    return Q(officer=staff) | Q(officer__isnull=True) | Q(company_id__in=served)


def access_staff_request(staff, request_id: int, *, lock: bool = False) -> ServiceRequest:
    _require_officer(staff)
    qs = ServiceRequest.objects.select_for_update() if lock else ServiceRequest.objects.all()
    request = qs.filter(visible_to(staff), pk=request_id).first()
    if request is None:
        raise NotFound("服务请求不存在", "No such service request", field="request_id")
    return request


def _into_chat(request: ServiceRequest, text: str) -> None:
    """A reply to an agent handover also lands in the founder's chat, and closes its ticket there."""
    if request.conversation_id is None:
        return
    from beiyang.agent.models import HandoverTicket, Turn

    Turn.objects.create(conversation_id=request.conversation_id, role="staff", text=text)
    HandoverTicket.objects.filter(conversation_id=request.conversation_id, status=HandoverTicket.OPEN).update(
        status=HandoverTicket.ANSWERED, answered_at=timezone.now()
    )


@transaction.atomic(durable=True)
def check_reply(
    staff, request_id: int, *, text: Any, upload: UploadedFile | None = None, wait_for_founder: bool = False
) -> ServiceMessage:
    """The officer answers in the thread; ``wait_for_founder`` asks the founder for something and
    pauses the resolution clock until they answer. Taking a pool request makes it yours."""
    request = access_staff_request(staff, request_id, lock=True)
    _transition(request, LIVE, "回复", "replied to")
    text = _clean_text(text, "text", required=upload is None)
    message = ServiceMessage(request=request, author=staff, role="officer", text=text)
    _attach(message, upload)
    message.save()
    now = timezone.now()
    request.officer = request.officer or staff
    request.first_responded_at = request.first_responded_at or now
    if wait_for_founder and request.status != "waiting_founder":
        request.status = "waiting_founder"
        request.paused_at = now
        request.paused_minutes_left = service_hours().between(timezone.localtime(now), request.resolve_due)
    elif not wait_for_founder:
        _back_in_progress(request, now)
    request.save()
    log_action(
        "service.request.replied",
        actor=staff,
        obj=request,
        message_id=message.pk,
        wait_for_founder=wait_for_founder,
        file=message.original_name,
    )
    _into_chat(request, text or message.original_name)
    _tell_founders(
        request,
        f"服务专员回复了您:{request.title}",
        text or message.original_name,
        f"Your service officer replied: #{request.pk}",
    )
    return message


@contextmanager
def _request_to_change(staff, request_id: int) -> Iterator[ServiceRequest]:
    """The request, locked, inside the transaction that changes it: of two officers acting at
    once, the second sees what the first did. (The concurrency tests replace this helper with
    a read before the transaction to show the race it prevents.)"""
    with transaction.atomic(durable=True):
        yield access_staff_request(staff, request_id, lock=True)


def _change(staff, request_id: int, apply: Callable[[ServiceRequest], ServiceRequest]) -> ServiceRequest:
    """Check and change the request in one transaction, on the locked row."""
    with _request_to_change(staff, request_id) as request:
        return apply(request)


def check_reassign(staff, request_id: int, *, officer_id: int | None) -> ServiceRequest:
    """Give the request to another officer (``None``: back to the pool); yourself to take it."""
    return _change(staff, request_id, lambda request: _reassign(staff, request, officer_id))


def _reassign(staff, request: ServiceRequest, officer_id: int | None) -> ServiceRequest:
    _transition(request, LIVE, "转派", "reassigned")
    officer = None
    if officer_id is not None:
        officer = officers().filter(pk=officer_id).first() or (
            staff if officer_id == staff.pk and has_role(staff, ROLE) else None
        )
        if officer is None:
            raise InvalidInput(
                "被转派人须为服务专员", "The assignee must be a service officer", field="officer_id"
            )
    before = request.officer_id
    if before == (officer.pk if officer else None):
        return request
    request.officer = officer
    request.save()
    log_action(
        "service.request.reassigned", actor=staff, obj=request, officer_id=request.officer_id, was=before
    )
    if officer is not None and officer.pk != staff.pk:
        _tell_staff(request, f"转派给您的服务请求:{request.title}", "", f"Reassigned to you: #{request.pk}")
    return request


def check_resolve(staff, request_id: int, *, resolution: Any) -> ServiceRequest:
    """Close the request with what was done; the founder is told and may rate it."""
    resolution = _clean_text(resolution, "resolution", required=True)
    return _change(staff, request_id, lambda request: _resolve(staff, request, resolution))


def _mark_resolved(staff, request: ServiceRequest, resolution: str, **audit: Any) -> None:
    now = timezone.now()
    request.first_responded_at = request.first_responded_at or now
    request.status, request.resolution, request.resolved_by, request.resolved_at = (
        "resolved",
        resolution,
        staff,
        now,
    )
    request.paused_at = request.paused_minutes_left = None
    request.save()
    ServiceMessage.objects.create(
        request=request, author=staff, role="officer", text=f"办结说明:{resolution}"
    )
    log_action(
        "service.request.resolved",
        actor=staff,
        obj=request,
        resolution=resolution,
        on_time=request.resolve_due is None or now <= request.resolve_due,
        **audit,
    )


def _resolve(staff, request: ServiceRequest, resolution: str) -> ServiceRequest:
    _transition(request, LIVE, "办结", "resolved")
    request.officer = request.officer or staff
    _mark_resolved(staff, request, resolution)
    _into_chat(request, f"已办结:{resolution}")
    _tell_founders(
        request,
        f"服务请求已办结:{request.title}",
        f"{resolution[:400]}\n欢迎为本次服务评分。",
        f"Your request is resolved: #{request.pk}",
    )
    return request


# --- the clocks' watch -----------------------------------------------------------------------------


def do_send_service_reminders(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind the officer the pack's lead time before a limit; escalate to town admins once it
    passes. Paused requests (waiting for the founder) are left alone. Each at most once a limit."""
    now = now or timezone.now()
    params = service_params(timezone.localdate(now))
    hours = service_hours(params)
    lead = int(params["service.remind_before_hours"]) * 60
    admins = list(
        get_user_model()
        .objects.filter(groups__name="town_admin", is_active=True)
        .values_list("id", flat=True)
    )
    counts = {"reminded": 0, "escalated": 0}
    local = timezone.localtime(now)
    # Only requests with a clock still to watch, due within a fortnight of wall time (the lead is
    # in working hours, so a holiday week can stretch it; no limit is that far in the pack).
    horizon = now + dt.timedelta(days=15)
    candidates = (
        ServiceRequest.objects.filter(status__in=("open", "in_progress"))
        .filter(
            Q(
                first_responded_at__isnull=True,
                response_escalated_at__isnull=True,
                first_response_due__lte=horizon,
            )
            | Q(resolve_escalated_at__isnull=True, resolve_due__lte=horizon)
        )
        .values_list("id", flat=True)
    )
    for request_id in list(candidates):
        with transaction.atomic(durable=True):
            request = ServiceRequest.objects.select_for_update().filter(pk=request_id).first()
            if request is None or request.status not in ("open", "in_progress"):
                continue
            clocks = []
            if request.first_responded_at is None:
                clocks.append(("response", "首次响应", request.first_response_due))
            clocks.append(("resolve", "办结", request.resolve_due))
            for clock, label, due in clocks:
                if due is None:
                    continue
                if now > due and getattr(request, f"{clock}_escalated_at") is None:
                    setattr(request, f"{clock}_escalated_at", now)
                    request.save(update_fields=[f"{clock}_escalated_at"])
                    log_action(
                        "service.request.escalated", actor_label="sla", obj=request, clock=clock, due=due
                    )
                    for user_id in admins:
                        do_send_message(
                            user_id,
                            kind="service",
                            title=f"服务请求{label}超时:#{request.pk} {request.title}",
                            body=f"应于{moment_words(due, en=False)}前{label}",
                            title_en=f"Service request overdue ({clock}): #{request.pk}",
                            link=f"/staff/service/{request.pk}/",
                            data={"service_request_id": request.pk},
                        )
                    counts["escalated"] += 1
                elif (
                    now <= due
                    and getattr(request, f"{clock}_reminded_at") is None
                    and hours.between(local, timezone.localtime(due)) <= lead
                ):
                    setattr(request, f"{clock}_reminded_at", now)
                    request.save(update_fields=[f"{clock}_reminded_at"])
                    log_action(
                        "service.request.reminded", actor_label="sla", obj=request, clock=clock, due=due
                    )
                    _tell_staff(
                        request,
                        f"服务请求{label}即将到期:#{request.pk} {request.title}",
                        f"请于{moment_words(due, en=False)}前{label}",
                        f"Service request due soon ({clock}): #{request.pk}",
                    )
                    counts["reminded"] += 1
    return counts


def access_attachment(user, request_id: int, message_id: int) -> ServiceMessage:
    """A file in a thread, to the request's founders and the officers who may see it (404 otherwise)."""
    if has_role(user, ROLE):
        request = access_staff_request(user, request_id)
    else:
        request = access_founder_request(user, request_id)
    message = request.messages.filter(pk=message_id).exclude(file="").first()
    if message is None:
        raise NotFound("文件不存在", "No such file", field="message_id")
    return message
