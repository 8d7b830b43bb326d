from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beiyang.accounts.roles import has_role
from beiyang.applications import actions, queries
from beiyang.applications.models import LANES, STATUSES
from beiyang.core.errors import DomainError
from beiyang.core.forms import bad_request
from beiyang.core.numbers import read_id
from beiyang.core.uploads import check_upload_accepted
from beiyang.policies.words import document_label

# What the founder is told after each step went through (translated through the catalogue).
FOUNDER_DONE = {
    "upload": gettext_lazy("Document uploaded."),
    "submit": gettext_lazy("Submitted. The reviewers have it now; you will get a message when they decide."),
    "respond": gettext_lazy("Sent back to review."),
    "withdraw": gettext_lazy("Application withdrawn."),
}
# Files a browser can show without running anything; everything else downloads. Keyed by the
# extension, whose leading bytes the upload checked, never by the type the uploader claimed.
INLINE_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def _documents(application) -> list[dict]:
    have = {}
    for d in application.documents.all().order_by("id"):
        have.setdefault(d.doc_type, []).append(d)
    codes = list(application.eligibility.get("documents") or [])
    codes += [c for c in have if c not in codes]
    return [
        {"code": c, "label": document_label(c), "files": have.get(c, []), "required": c in codes}
        for c in codes
    ]


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
            if step in FOUNDER_DONE:
                messages.success(request, str(FOUNDER_DONE[step]))
        except DomainError as exc:
            messages.error(request, exc.localized())
        return redirect("web:application", application.pk)
    have = set(application.documents.values_list("doc_type", flat=True))
    required = [(d, document_label(d), d in have) for d in application.eligibility.get("documents") or []]
    return render(
        request,
        "applications/detail.html",
        {
            "tab": "benefits",
            "a": application,
            "status": STATUSES[application.status],
            "lane": LANES[application.lane],
            "required": required,
            "documents": _documents(application),
            "timeline": queries.timeline(application),
            "sla": queries.sla_status(application),
        },
    )


@login_required
def review_queue(request):
    if not has_role(request.user, "reviewer"):
        raise PermissionDenied
    if request.method == "POST":
        _review_step(request, request.POST.get("application_id", "0"))
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
        {"rows": rows, "lanes": LANES, "lane": lane, "assignee": assignee, "staff_tab": "review"},
    )


REVIEW_DONE = {
    "assign_me": gettext_lazy("You took this application."),
    "request_info": gettext_lazy("The founder has been asked for more information."),
    "approve": gettext_lazy("Approved."),
    "reject": gettext_lazy("Rejected."),
}


def _review_step(request, raw_id: str) -> None:
    """One reviewer step from a form, its outcome told through the messages framework."""
    try:
        application_id = read_id(raw_id, "application_id", label=("申请", "application"))
        step = request.POST.get("step")
        if step == "assign_me":
            actions.check_assign(request.user, [application_id], request.user.pk)
        elif step == "request_info":
            actions.check_request_info(request.user, application_id, message=request.POST.get("message", ""))
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
    except ValueError:
        messages.error(request, _("Invalid application id"))
    else:
        if step == "approve":
            application = queries.Application.objects.get(pk=application_id)
            if application.status != "approved":
                messages.success(request, _("First approval recorded; waiting for a second reviewer."))
                return
        if step in REVIEW_DONE:
            messages.success(request, str(REVIEW_DONE[step]))


@login_required
def review_detail(request, application_id: int):
    """The reviewer's decision page: answers, documents, the engine then and now, the clock."""
    if not has_role(request.user, "reviewer"):
        raise PermissionDenied
    if request.method == "POST":
        _review_step(request, str(application_id))
        return redirect("web:review_detail", application_id)
    try:
        a = actions.access_staff_application(request.user, application_id)
    except DomainError:
        raise Http404 from None
    now = queries.eligibility_now(a)
    then = a.eligibility or {}
    changes = []
    if now is not None:
        if then.get("status") != now["status"]:
            changes.append("status")
        if then.get("amount_fen") != now["amount_fen"]:
            changes.append("amount")
    return render(
        request,
        "applications/review.html",
        {
            "a": a,
            "sla": queries.sla_status(a),
            "documents": _documents(a),
            "then": then,
            "now": now,
            "changes": changes,
            "awaiting_second": a.first_approved_by_id is not None and a.status == "in_review",
            "timeline": queries.timeline(a),
            "title": queries.policy_title(a),
            "staff_tab": "review",
        },
    )


@login_required
def review_history(request):
    if not has_role(request.user, "reviewer"):
        raise PermissionDenied
    f = {k: request.GET.get(k) or "" for k in ("status", "lane", "policy", "q")}
    rows = queries.decided_applications(
        status=f["status"] or None, lane=f["lane"] or None, policy=f["policy"] or None, q=f["q"]
    )[:200]
    return render(
        request,
        "applications/history.html",
        {
            "rows": rows,
            "f": f,
            "lanes": LANES,
            "statuses": {k: STATUSES[k] for k in queries.DECIDED},
            "staff_tab": "history",
        },
    )


@login_required
def document_view(request, application_id: int, document_id: int):
    """A document for its company and for reviewers: PDFs and images open in the browser,
    anything else downloads (a browser must not render an office file or HTML from an upload)."""
    try:
        document = actions.access_document(request.user, application_id, document_id)
    except DomainError:
        raise Http404 from None
    inline = INLINE_TYPES.get(document.original_name.rsplit(".", 1)[-1].lower())
    response = FileResponse(
        document.file.open("rb"),
        content_type=inline or "application/octet-stream",
        as_attachment=inline is None,
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; plugin-types application/pdf"
    return response
