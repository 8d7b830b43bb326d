from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render

from beiyang.accounts.roles import has_role
from beiyang.applications import actions, queries
from beiyang.applications.actions import DOC_LABELS
from beiyang.applications.models import LANES, STATUSES
from beiyang.core.errors import DomainError
from beiyang.core.schemas import parse_row_id
from beiyang.core.uploads import check_upload_accepted
from beiyang.web.views import bad_request


@login_required
def my_applications(request):
    if request.method == "POST":
        try:
            application = actions.do_start_application(
                request.user,
                policy_id=request.POST.get("policy", ""),
                amount_cny=request.POST.get("amount_cny") or None,
            )
        except DomainError as exc:
            messages.error(request, exc.localized())
            return redirect("web:benefits")
        return redirect("web:application", application.pk)
    return render(
        request,
        "applications/mine.html",
        {"tab": "benefits", "applications": queries.my_applications(request.user), "statuses": STATUSES},
    )


@login_required
def application_detail(request, application_id: int):
    try:
        application = actions.access_founder_application(request.user, application_id)
    except DomainError:
        raise Http404 from None
    if request.method == "POST":
        try:
            check_upload_accepted(request)
            step = request.POST.get("step")
            if step == "upload":
                actions.do_upload_document(
                    request.user,
                    application.pk,
                    doc_type=request.POST.get("doc_type", ""),
                    upload=request.FILES.get("file"),
                )
            elif step == "submit":
                actions.do_submit(request.user, application.pk)
            elif step == "respond":
                actions.do_respond(request.user, application.pk, note=request.POST.get("note", ""))
            elif step == "withdraw":
                actions.do_withdraw(request.user, application.pk)
        except DomainError as exc:
            messages.error(request, exc.localized())
        return redirect("web:application", application.pk)
    have = set(application.documents.values_list("doc_type", flat=True))
    required = [(d, DOC_LABELS.get(d, d), d in have) for d in application.eligibility.get("documents") or []]
    return render(
        request,
        "applications/detail.html",
        {
            "tab": "benefits",
            "a": application,
            "status": STATUSES[application.status],
            "lane": LANES[application.lane],
            "required": required,
            "timeline": queries.timeline(application),
            "sla": queries.sla_status(application),
        },
    )


@login_required
def review_queue(request):
    if not has_role(request.user, "reviewer"):
        return HttpResponseForbidden("仅审核员 Reviewers only")
    if request.method == "POST":
        try:
            application_id = parse_row_id(request.POST.get("application_id", ""), "application_id")
            step = request.POST.get("step")
            if step == "assign_me":
                actions.check_assign(request.user, [application_id], request.user.pk)
            elif step == "request_info":
                actions.check_request_info(
                    request.user, application_id, message=request.POST.get("message", "")
                )
            elif step == "approve":
                actions.check_approve(
                    request.user,
                    application_id,
                    amount_cny=request.POST.get("amount_cny") or None,
                    reason=request.POST.get("reason", ""),
                )
            elif step == "reject":
                actions.check_reject(request.user, application_id, reason=request.POST.get("reason", ""))
            elif step == "auto_assign":
                actions.check_auto_assign(request.user)
        except DomainError as exc:
            messages.error(request, exc.localized())
        return redirect(request.get_full_path())
    lane = request.GET.get("lane") or None
    assignee = request.GET.get("assignee") or None
    try:
        rows = [
            (a, queries.sla_status(a))
            for a in queries.review_queue(lane=lane, assignee=assignee, user=request.user)[:200]
        ]
    except DomainError as exc:
        return bad_request(request, exc)
    return render(
        request,
        "applications/queue.html",
        {"rows": rows, "lanes": LANES, "lane": lane, "statuses": STATUSES, "assignee": assignee},
    )
