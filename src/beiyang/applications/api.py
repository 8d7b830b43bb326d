from __future__ import annotations

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from beiyang.accounts.auth import founder_auth
from beiyang.accounts.roles import has_role
from beiyang.applications import actions, queries
from beiyang.applications.models import Application
from beiyang.applications.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApproveIn,
    AssignIn,
    AssignOneIn,
    DocumentOut,
    RejectIn,
    RequestInfoIn,
    RespondIn,
)
from beiyang.core.errors import AccessDenied
from beiyang.core.exports import table_response
from beiyang.core.money import fen_to_yuan
from beiyang.core.numbers import RowId
from beiyang.core.schemas import ErrorOut
from beiyang.core.uploads import check_upload_accepted, served_type

router = Router(tags=["applications"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
UPLOAD_ERRORS = {**ERRORS, 413: ErrorOut}


def _yuan(fen):
    return None if fen is None else fen_to_yuan(fen)


def application_out(a: Application) -> dict:
    return {
        "id": a.pk,
        "policy": a.policy_id,
        "status": a.status,
        "lane": a.lane,
        "company_id": a.company_id,
        "amount_requested_cny": _yuan(a.amount_requested_fen),
        "max_amount_cny": _yuan(a.max_amount_fen),
        "granted_cny": _yuan(a.granted_fen),
        "due_at": a.due_on,
        "due_estimated": a.due_estimated,
        "sla": queries.sla_status(a),
        "assignee_id": a.assignee_id,
        "eligibility": a.eligibility,
        "eligibility_changed": a.eligibility_changed,
        "documents_required": a.eligibility.get("documents") or [],
        "documents": list(a.documents.all().order_by("id")),
        "decision_reason": a.decision_reason,
        "waiver_from": a.waiver_from,
        "waiver_until": a.waiver_until,
        "voucher_grant_id": a.voucher_grant_id,
        "awaiting_second_approval": a.first_approved_by_id is not None and a.status == "in_review",
        "timeline": queries.timeline(a),
    }


@router.post("/applications", response={201: ApplicationOut, **ERRORS}, auth=founder_auth)
def start(request, body: ApplicationIn):
    application = actions.do_start_application(
        request.auth,
        policy_id=body.policy,
        amount_cny=None if body.amount_cny is None else str(body.amount_cny),
        answers=body.answers,
    )
    return Status(201, application_out(application))


@router.get("/applications", response=list[ApplicationOut], auth=founder_auth)
def mine(request):
    return [application_out(a) for a in queries.my_applications(request.auth)]


@router.get(
    "/applications/{application_id}", response={200: ApplicationOut, 404: ErrorOut}, auth=founder_auth
)
def get_application(request, application_id: RowId):
    if has_role(request.auth, "reviewer"):
        return application_out(actions.access_staff_application(request.auth, application_id))
    return application_out(actions.access_founder_application(request.auth, application_id))


@router.post(
    "/applications/{application_id}/documents",
    response={201: DocumentOut, **UPLOAD_ERRORS},
    auth=founder_auth,
)
def upload(request, application_id: RowId, doc_type: Form[str] = "", file: File[UploadedFile | None] = None):
    # Both optional here so that a body refused by the upload handler (nothing parsed) gets its
    # 413, and a missing file the action's own answer.
    check_upload_accepted(request)
    return Status(
        201, actions.do_upload_document(request.auth, application_id, doc_type=doc_type, upload=file)
    )


@router.get(
    "/applications/{application_id}/documents/{document_id}",
    response={200: None, 404: ErrorOut},
    auth=founder_auth,
)
def download(request, application_id: RowId, document_id: RowId):
    """The file itself, to the applicant's company and reviewers only; never a public URL."""
    from django.http import FileResponse

    document = actions.access_document(request.auth, application_id, document_id)
    # The type it was sniffed as (its stored extension), never what a client once claimed.
    kind = served_type(document.file.name)
    response = FileResponse(
        document.file.open("rb"),
        content_type=kind.mime if kind else "application/octet-stream",
        as_attachment=not (kind and kind.inline),
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@router.post(
    "/applications/{application_id}/submit", response={200: ApplicationOut, **ERRORS}, auth=founder_auth
)
def submit(request, application_id: RowId):
    return application_out(actions.do_submit(request.auth, application_id))


@router.post(
    "/applications/{application_id}/withdraw", response={200: ApplicationOut, **ERRORS}, auth=founder_auth
)
def withdraw(request, application_id: RowId):
    return application_out(actions.do_withdraw(request.auth, application_id))


@router.post(
    "/applications/{application_id}/respond", response={200: ApplicationOut, **ERRORS}, auth=founder_auth
)
def respond(request, application_id: RowId, body: RespondIn):
    return application_out(
        actions.do_respond(request.auth, application_id, answers=body.answers, note=body.note)
    )


class QueueQuery(Schema):
    lane: str | None = None
    status: str | None = None
    assignee: str | None = None


def _reviewer(request) -> None:
    if not has_role(request.auth, "reviewer"):
        raise AccessDenied("仅审核员可以查看", "Only reviewers may see this")


@router.get(
    "/staff/applications",
    response={200: list[ApplicationOut], 400: ErrorOut, 403: ErrorOut},
    auth=founder_auth,
)
def queue(request, q: Query[QueueQuery]):
    _reviewer(request)
    return [
        application_out(a)
        for a in queries.review_queue(lane=q.lane, status=q.status, assignee=q.assignee, user=request.auth)[
            :500
        ]
    ]


@router.post("/staff/applications/assign", response={200: list[ApplicationOut], **ERRORS}, auth=founder_auth)
def bulk_assign(request, body: AssignIn):
    return [
        application_out(a) for a in actions.check_assign(request.auth, body.application_ids, body.assignee_id)
    ]


@router.post("/staff/applications/auto-assign", response={200: dict, **ERRORS}, auth=founder_auth)
def auto_assign(request):
    return {"assigned": actions.check_auto_assign(request.auth)}


@router.post(
    "/staff/applications/{application_id}/assign", response={200: ApplicationOut, **ERRORS}, auth=founder_auth
)
def assign_one(request, application_id: RowId, body: AssignOneIn):
    """Assign to ``assignee_id``, or take it yourself when the body is ``{}``."""
    assignee_id = body.assignee_id if body.assignee_id is not None else request.auth.pk
    return application_out(actions.check_assign(request.auth, [application_id], assignee_id)[0])


@router.post(
    "/staff/applications/{application_id}/request-info",
    response={200: ApplicationOut, **ERRORS},
    auth=founder_auth,
)
def request_info(request, application_id: RowId, body: RequestInfoIn):
    return application_out(actions.check_request_info(request.auth, application_id, message=body.message))


@router.post(
    "/staff/applications/{application_id}/approve",
    response={200: ApplicationOut, **ERRORS},
    auth=founder_auth,
)
def approve(request, application_id: RowId, body: ApproveIn):
    return application_out(
        actions.check_approve(
            request.auth,
            application_id,
            amount_cny=None if body.amount_cny is None else str(body.amount_cny),
            reason=body.reason,
            criteria_checked=body.criteria_checked,
        )
    )


@router.post(
    "/staff/applications/{application_id}/reject", response={200: ApplicationOut, **ERRORS}, auth=founder_auth
)
def reject(request, application_id: RowId, body: RejectIn):
    return application_out(actions.check_reject(request.auth, application_id, reason=body.reason))


@router.post(
    "/staff/applications/{application_id}/disburse",
    response={200: ApplicationOut, **ERRORS},
    auth=founder_auth,
)
def disburse(request, application_id: RowId):
    return application_out(actions.check_disburse(request.auth, application_id))


@router.get("/staff/applications-export", response={200: None, 403: ErrorOut}, auth=founder_auth)
def export(request, format: str = "csv"):
    _reviewer(request)
    head = [
        "编号 id",
        "政策 policy",
        "企业 company",
        "状态 status",
        "通道 lane",
        "申请金额 requested",
        "批准金额 granted",
        "截止 due",
        "SLA",
        "审核员 assignee",
    ]
    rows = [
        [
            a.pk,
            a.policy_id,
            a.company.name,
            a.status,
            a.lane,
            _yuan(a.amount_requested_fen),
            _yuan(a.granted_fen),
            a.due_on.isoformat() if a.due_on else "",
            queries.sla_status(a),
            a.assignee.name if a.assignee else "",
        ]
        for a in Application.objects.exclude(status="draft")
        .select_related("company", "assignee")
        .order_by("id")
    ]
    return table_response("applications", head, rows, format)


@router.get("/staff/applications-counts", response={200: dict, 403: ErrorOut}, auth=founder_auth)
def counts(request):
    _reviewer(request)
    return queries.counts()
