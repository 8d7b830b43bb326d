"""Requests on the founder's side: open, add to the thread, rate, reopen."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from beiyang.core.audit import log_action
from beiyang.core.errors import Conflict, InvalidInput
from beiyang.core.words import moment_words
from beiyang.notifications.actions import do_send_message
from beiyang.service.actions.access import access_founder_request, check_category, clean_text, transition
from beiyang.service.actions.assignment import officer_of
from beiyang.service.actions.attachments import attach
from beiyang.service.actions.clocks import can_reopen, resume_clock, service_params, start_clocks
from beiyang.service.actions.notices import tell_staff
from beiyang.service.models import CATEGORIES, LIVE, ServiceMessage, ServiceRequest
from beiyang.service.signals import handover_reopened


def create_request(
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
    start_clocks(request, now)
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
    tell_staff(
        request,
        "handover" if source == "agent" else "opened",
        category=CATEGORIES[category][0],
        due=moment_words(request.first_response_due, en=False),
    )
    return request


@transaction.atomic(durable=True)
def do_open_request(user, *, category: Any, title: Any, description: Any = "") -> ServiceRequest:
    """A founder asks the team for something; it goes to their company's officer (or the pool)."""
    from beiyang.companies.queries import company_of

    category = check_category(category)
    title = clean_text(title, "title", required=True, limit=120)
    description = clean_text(description, "description", required=False)
    return create_request(
        company=company_of(user), requester=user, category=category, title=title, description=description
    )


@transaction.atomic(durable=True)
def do_add_message(
    user, request_id: int, *, text: Any = "", upload: UploadedFile | None = None
) -> ServiceMessage:
    request = access_founder_request(user, request_id, lock=True)
    transition(request, LIVE, "留言", "commented on")
    text = clean_text(text, "text", required=upload is None)
    message = ServiceMessage(request=request, author=user, role="founder", text=text)
    attach(message, upload)
    message.save()
    if request.status == "waiting_founder":
        request.status = "in_progress"
        resume_clock(request, timezone.now())
    request.save()
    log_action(
        "service.request.message_added",
        actor=user,
        obj=request,
        message_id=message.pk,
        file=message.original_name,
        resolve_due=request.resolve_due,
    )
    tell_staff(request, "founder_message")
    return message


@transaction.atomic(durable=True)
def do_rate(user, request_id: int, *, rating: Any, comment: Any = "") -> ServiceRequest:
    request = access_founder_request(user, request_id, lock=True)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("评分应为1到5的整数", "rating must be a whole number from 1 to 5", field="rating")
    comment = clean_text(comment, "comment", required=False, limit=500)
    transition(request, ("resolved",), "评价", "rated")
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


@transaction.atomic(durable=True)
def do_reopen(user, request_id: int, *, reason: Any = "") -> ServiceRequest:
    request = access_founder_request(user, request_id, lock=True)
    reason = clean_text(reason, "reason", required=False)
    transition(request, ("resolved",), "重新打开", "reopened")
    if not can_reopen(request):
        days = service_params()["service.reopen_days"]
        raise Conflict(
            f"办结超过{days}天的请求不能重新打开,请发起新的请求",
            f"Requests resolved more than {days} days ago cannot be reopened; open a new one",
            code="reopen_window_passed",
        )
    now = timezone.now()
    was, answered_by = request.resolution, request.first_response_due
    start_clocks(request, now)  # a fresh resolution clock; the first response stays what it was
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
    if request.conversation_id:
        handover_reopened.send(sender=ServiceRequest, request=request)
    log_action("service.request.reopened", actor=user, obj=request, reason=reason, previous_resolution=was)
    tell_staff(request, "reopened")
    return request
