"""Requests on the officer's side: reply, reassign, resolve. Each change locks the request
and re-checks it, so two officers acting at once leave one state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from beiyang.accounts.roles import has_role
from beiyang.core.audit import log_action
from beiyang.core.errors import InvalidInput
from beiyang.service.actions.access import ROLE, access_staff_request, check_free_of, clean_text, transition
from beiyang.service.actions.assignment import officers
from beiyang.service.actions.attachments import attach
from beiyang.service.actions.clocks import back_in_progress, service_hours
from beiyang.service.actions.handover import into_chat
from beiyang.service.actions.notices import tell_founders, tell_staff
from beiyang.service.models import LIVE, ServiceMessage, ServiceRequest


@transaction.atomic(durable=True)
def check_reply(
    staff, request_id: int, *, text: Any, upload: UploadedFile | None = None, wait_for_founder: bool = False
) -> ServiceMessage:
    """The officer answers in the thread; ``wait_for_founder`` asks the founder for something and
    pauses the resolution clock until they answer. Taking a pool request makes it yours."""
    request = access_staff_request(staff, request_id, lock=True)
    transition(request, LIVE, "回复", "replied to")
    text = clean_text(text, "text", required=upload is None)
    message = ServiceMessage(request=request, author=staff, role="officer", text=text)
    attach(message, upload)
    message.save()
    now = timezone.now()
    request.officer = request.officer or staff
    request.first_responded_at = request.first_responded_at or now
    if wait_for_founder and request.status != "waiting_founder":
        request.status = "waiting_founder"
        request.paused_at = now
        request.paused_minutes_left = service_hours().between(timezone.localtime(now), request.resolve_due)
    elif not wait_for_founder:
        back_in_progress(request, now)
    request.save()
    log_action(
        "service.request.replied",
        actor=staff,
        obj=request,
        message_id=message.pk,
        wait_for_founder=wait_for_founder,
        file=message.original_name,
    )
    into_chat(request, text or message.original_name)
    tell_founders(
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
    transition(request, LIVE, "转派", "reassigned")
    officer = None
    if officer_id is not None:
        officer = officers().filter(pk=officer_id).first() or (
            staff if officer_id == staff.pk and has_role(staff, ROLE) else None
        )
        if officer is None:
            raise InvalidInput(
                "被转派人须为服务专员", "The assignee must be a service officer", field="officer_id"
            )
        check_free_of(officer, request)
    before = request.officer_id
    if before == (officer.pk if officer else None):
        return request
    request.officer = officer
    request.save()
    log_action(
        "service.request.reassigned", actor=staff, obj=request, officer_id=request.officer_id, was=before
    )
    if officer is not None and officer.pk != staff.pk:
        tell_staff(request, "reassigned")
    return request


def check_resolve(staff, request_id: int, *, resolution: Any) -> ServiceRequest:
    """Close the request with what was done; the founder is told and may rate it."""
    resolution = clean_text(resolution, "resolution", required=True)
    return _change(staff, request_id, lambda request: _resolve(staff, request, resolution))


def mark_resolved(staff, request: ServiceRequest, resolution: str, **audit: Any) -> None:
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
    transition(request, LIVE, "办结", "resolved")
    request.officer = request.officer or staff
    mark_resolved(staff, request, resolution)
    into_chat(request, f"已办结:{resolution}", resolved=True)
    tell_founders(
        request,
        f"服务请求已办结:{request.title}",
        f"{resolution[:400]}\n欢迎为本次服务评分。",
        f"Your request is resolved: #{request.pk}",
    )
    return request
