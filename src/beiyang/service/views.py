from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from beiyang.accounts.roles import has_role
from beiyang.companies.queries import company_of
from beiyang.core.errors import DomainError
from beiyang.core.exports import table_response
from beiyang.core.forms import bad_request
from beiyang.core.numbers import read_id, read_int
from beiyang.service import actions, queries
from beiyang.service.models import CATEGORIES, STATUSES


def _categories() -> list[dict]:
    return [{"code": k, "label": v[0], "label_en": v[1]} for k, v in CATEGORIES.items()]


def _clock_label(state: str) -> dict:
    zh, en = queries.CLOCK_LABELS[state]
    return {"label": zh, "label_en": en, "state": state}


def _rows(requests) -> list[dict]:
    return [
        {"r": r, "clock": queries.clock(r), "clock_label": _clock_label(queries.clock(r))} for r in requests
    ]


@login_required
def my_service(request):
    """我的服务: the officer, the founder's requests, and a form for a new one."""
    if request.method == "POST":
        try:
            created = actions.do_open_request(
                request.user,
                category=request.POST.get("category", ""),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.localized())
            return redirect("web:service")
        return redirect("web:service_request", created.pk)
    return render(
        request,
        "service/mine.html",
        {
            "tab": "me",
            "officer": queries.officer_card(request.user),
            "rows": _rows(queries.my_requests(request.user)[:100]),
            "categories": _categories(),
        },
    )


@login_required
def request_detail(request, request_id: int):
    try:
        service_request = actions.access_founder_request(request.user, request_id)
    except DomainError:
        raise Http404 from None
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "message":
                actions.do_add_message(
                    request.user,
                    request_id,
                    text=request.POST.get("text", ""),
                    upload=request.FILES.get("file"),
                )
            elif step == "rate":
                actions.do_rate(
                    request.user,
                    request_id,
                    rating=read_int(
                        request.POST.get("rating"), "rating", low=1, high=5, label=("评分", "rating")
                    ),
                    comment=request.POST.get("comment", ""),
                )
            elif step == "reopen":
                actions.do_reopen(request.user, request_id, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            messages.error(request, exc.localized())
        return redirect("web:service_request", request_id)
    return render(
        request,
        "service/detail.html",
        {
            "tab": "me",
            "s": service_request,
            "thread": service_request.messages.all(),
            "clock_label": _clock_label(queries.clock(service_request)),
            "can_reopen": actions.can_reopen(service_request),
            "file_base": f"/api/v1/service-requests/{service_request.pk}/files/",
            "staff": False,
        },
    )


@login_required
def my_timeline(request):
    company = company_of(request.user)
    return render(
        request,
        "service/timeline.html",
        {"tab": "company", "company": company, "items": queries.timeline(company) if company else []},
    )


def _officer_only(request) -> bool:
    return request.user.is_authenticated and has_role(request.user, "service_officer")


def staff_queue(request):
    if not _officer_only(request):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("step") == "assign_balanced":
        try:
            done = actions.check_assign_balanced(request.user)
            messages.success(request, f"已为{len(done)}家企业指派服务专员 {len(done)} companies assigned")
        except DomainError as exc:
            messages.error(request, exc.localized())
        return redirect("web:staff_service")
    assignee = request.GET.get("assignee") or None
    status = request.GET.get("status") or None
    source = request.GET.get("source") or None
    if request.GET.get("export") and status in (None, *STATUSES):
        # The requests with their clocks, as a spreadsheet (formula-looking cells quoted).
        return table_response(
            "service-requests",
            queries.EXPORT_HEAD,
            queries.export_rows(request.user, status=status),
            request.GET["export"],
        )
    try:
        rows = _rows(queries.staff_queue(request.user, assignee=assignee, status=status, source=source)[:200])
    except DomainError as exc:
        return bad_request(request, exc)
    return render(
        request,
        "service/queue.html",
        {
            "rows": rows,
            "assignee": assignee,
            "status": status,
            "source": source,
            "statuses": [{"code": k, "label": v[0], "label_en": v[1]} for k, v in STATUSES.items()],
            "is_admin": has_role(request.user, "town_admin"),
            "companies": queries.served_companies(request.user)[:200],
            "caseload": actions.caseloads() if has_role(request.user, "town_admin") else [],
        },
    )


def staff_request(request, request_id: int):
    if not _officer_only(request):
        raise PermissionDenied
    try:
        service_request = actions.access_staff_request(request.user, request_id)
    except DomainError:
        raise Http404 from None
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "reply":
                actions.check_reply(
                    request.user,
                    request_id,
                    text=request.POST.get("text", ""),
                    upload=request.FILES.get("file"),
                    wait_for_founder=request.POST.get("wait_for_founder") == "on",
                )
            elif step == "resolve":
                actions.check_resolve(request.user, request_id, resolution=request.POST.get("resolution", ""))
            elif step == "reassign":
                officer_id = read_id(
                    request.POST.get("officer_id"), "officer_id", label=("服务专员", "officer"), optional=True
                )
                actions.check_reassign(request.user, request_id, officer_id=officer_id)
        except DomainError as exc:
            messages.error(request, exc.localized())
        try:
            actions.access_staff_request(request.user, request_id)
        except DomainError:  # handed to someone else: back to the queue
            return redirect("web:staff_service")
        return redirect("web:staff_service_request", request_id)
    return render(
        request,
        "service/detail.html",
        {
            "s": service_request,
            "thread": service_request.messages.all(),
            "clock_label": _clock_label(queries.clock(service_request)),
            "officers": actions.caseloads(),
            "file_base": f"/api/v1/staff/service-requests/{service_request.pk}/files/",
            "staff": True,
        },
    )


def staff_company(request, company_id: int):
    if not _officer_only(request):
        raise PermissionDenied
    try:
        company = queries.access_staff_company(request.user, company_id)
    except DomainError:
        raise Http404 from None
    return render(
        request,
        "service/company.html",
        {
            "company": company,
            "officer": actions.officer_of(company.pk),
            "members": company.memberships.select_related("user"),
            "items": queries.timeline(company, staff=True),
        },
    )
