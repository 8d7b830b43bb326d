"""Who may see and change a request, and the checks every change shares."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from beiyang.accounts.roles import has_role
from beiyang.companies.actions import check_no_conflict_of_interest
from beiyang.companies.models import Membership
from beiyang.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from beiyang.service.models import CATEGORIES, STATUSES, OfficerAssignment, ServiceRequest

MAX_TEXT = 4000
ROLE = "service_officer"


def clean_text(text: Any, field: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    if text is not None and not isinstance(text, str):
        raise InvalidInput("应为文字", f"{field} must be text", field=field)
    text = (text or "").strip()
    if required and not text:
        raise InvalidInput("内容不能为空", f"{field} cannot be empty", field=field, code="required")
    if len(text) > limit:
        raise InvalidInput(f"内容不能超过{limit}字", f"{field} is over {limit} characters", field=field)
    return text


def check_category(category: Any) -> str:
    if category not in CATEGORIES:
        labels = "、".join(v[0] for v in CATEGORIES.values())
        raise InvalidInput(
            f"未知的服务类别,可选:{labels}",
            f"Unknown category; one of {', '.join(CATEGORIES)}",
            field="category",
            code="invalid_category",
        )
    return category


def transition(request: ServiceRequest, allowed: tuple[str, ...], verb: str, verb_en: str) -> None:
    if request.status not in allowed:
        raise Conflict(
            f"请求当前为“{STATUSES[request.status][0]}”,不能{verb}",
            f"A {request.status} request cannot be {verb_en}",
            field="status",
            code="invalid_transition",
        )


def require_officer(staff) -> None:
    if not has_role(staff, ROLE):
        raise AccessDenied("仅服务专员可以处理服务请求", "Only service officers handle service requests")


def visible_to(staff) -> Q:
    """Requests an officer may see: their own, their companies', and the pool. Town admins: all."""
    if has_role(staff, "town_admin"):
        return Q()
    served = OfficerAssignment.objects.filter(officer=staff).values("company_id")
    return Q(officer=staff) | Q(officer__isnull=True) | Q(company_id__in=served)


def access_staff_request(staff, request_id: int, *, lock: bool = False) -> ServiceRequest:
    require_officer(staff)
    qs = ServiceRequest.objects.select_for_update() if lock else ServiceRequest.objects.all()
    request = qs.filter(visible_to(staff), pk=request_id).first()
    if request is None:
        raise NotFound("服务请求不存在", "No such service request", field="request_id")
    if lock:  # acting on it (every officer action locks): not on a company they are tied to
        check_free_of(staff, request)
    return request


def check_free_of(officer, request: ServiceRequest) -> None:
    """The shared conflict-of-interest rule, for an officer and a request's company."""
    check_no_conflict_of_interest(
        officer, request.company_id, (f"服务请求#{request.pk}", f"service request #{request.pk}")
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
