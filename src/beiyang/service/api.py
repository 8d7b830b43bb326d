from __future__ import annotations

import json

from django.http import FileResponse
from ninja import Query, Router, Schema, Status
from pydantic import ValidationError

from beiyang.accounts.auth import founder_auth
from beiyang.core.errors import InvalidInput, NotFound
from beiyang.core.numbers import RowId
from beiyang.core.schemas import ErrorOut
from beiyang.service import actions, queries
from beiyang.service.models import ServiceRequest
from beiyang.service.schemas import (
    AssignmentOut,
    BalancedIn,
    MessageIn,
    OfficerIn,
    OfficerOut,
    RateIn,
    ReassignIn,
    ReopenIn,
    RequestDetailOut,
    RequestIn,
    RequestOut,
    ResolveIn,
    StaffReplyIn,
    ThreadMessageOut,
    TimelineEntryOut,
)

router = Router(tags=["service"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _label(pair) -> dict:
    return {"label": pair[0], "label_en": pair[1]}


def request_out(r: ServiceRequest, *, detail: bool = False, staff: bool = False) -> dict:
    state = queries.clock(r)
    out = {
        "id": r.pk,
        "status": r.status,
        "status_label": r.status_label,
        "category": r.category,
        "category_label": r.category_label,
        "title": r.title,
        "description": r.description,
        "company_id": r.company_id,
        "officer_id": r.officer_id,
        "officer_name": (r.officer.name or "服务专员") if r.officer_id else None,
        "source": r.source,
        "first_response_due": r.first_response_due,
        "first_responded_at": r.first_responded_at,
        "resolve_due": r.resolve_due,
        "due_estimated": r.due_estimated,
        "clock": state,
        "clock_label": _label(queries.CLOCK_LABELS[state]),
        "resolution": r.resolution,
        "resolved_at": r.resolved_at,
        "rating": r.rating,
        "rating_comment": r.rating_comment,
        "can_rate": r.status == "resolved" and r.rating is None,
        "can_reopen": actions.can_reopen(r),
        "created_at": r.created_at,
    }
    if detail:
        prefix = "staff/" if staff else ""
        out["messages"] = [
            {
                "id": m.pk,
                "role": m.role,
                "role_label": m.role_label,
                "author_id": m.author_id,
                "text": m.text,
                "file_name": m.original_name,
                "file_url": f"/api/v1/{prefix}service-requests/{r.pk}/files/{m.pk}" if m.file else None,
                "created_at": m.created_at,
            }
            for m in r.messages.all()
        ]
    return out


def _message_input(request) -> tuple[str, object]:
    """A thread entry is JSON ``{"text"}`` or a multipart form with ``text`` and/or ``file``."""
    if request.content_type == "multipart/form-data":
        return request.POST.get("text", ""), request.FILES.get("file")
    try:
        body = MessageIn.model_validate(json.loads(request.body or b"{}"))
    except (ValueError, ValidationError):
        raise InvalidInput(
            "请提交文字(JSON的text字段)或上传文件",
            'Send {"text": ...} as JSON, or a multipart file',
            field="text",
        ) from None
    return body.text, None


def _file(message) -> FileResponse:
    response = FileResponse(
        message.file.open("rb"),
        content_type=message.content_type,
        as_attachment=True,
        filename=message.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- founders ------------------------------------------------------------------------------------


@router.get("/me/officer", response={200: OfficerOut, 404: ErrorOut}, auth=founder_auth)
def my_officer(request):
    card = queries.officer_card(request.auth)
    if card is None:
        raise NotFound(
            "您的企业还没有专属服务专员,可先发起服务请求,小镇服务团队会尽快联系您",
            "Your company has no service officer yet; open a request and the team will reach you",
            code="no_officer",
        )
    return card


@router.get("/me/timeline", response={200: list[TimelineEntryOut], 404: ErrorOut}, auth=founder_auth)
def my_timeline(request):
    from beiyang.companies.queries import company_of

    company = company_of(request.auth)
    if company is None:
        raise NotFound("请先登记企业信息", "Register your company first", field="company", code="no_company")
    return queries.timeline(company)


@router.post("/service-requests", response={201: RequestOut, **ERRORS}, auth=founder_auth)
def open_request(request, body: RequestIn):
    created = actions.do_open_request(
        request.auth, category=body.category, title=body.title, description=body.description
    )
    return Status(201, request_out(created))


@router.get("/service-requests", response=list[RequestOut], auth=founder_auth)
def my_requests(request):
    return [request_out(r) for r in queries.my_requests(request.auth)[:200]]


@router.get(
    "/service-requests/{request_id}", response={200: RequestDetailOut, 404: ErrorOut}, auth=founder_auth
)
def get_request(request, request_id: RowId):
    return request_out(actions.access_founder_request(request.auth, request_id), detail=True)


@router.post(
    "/service-requests/{request_id}/messages",
    response={201: ThreadMessageOut, **ERRORS},
    auth=founder_auth,
    openapi_extra={"description": 'JSON {"text"} or multipart/form-data with text and file'},
)
def add_message(request, request_id: RowId):
    text, upload = _message_input(request)
    message = actions.do_add_message(request.auth, request_id, text=text, upload=upload)
    detail = request_out(message.request, detail=True)
    return Status(201, next(m for m in detail["messages"] if m["id"] == message.pk))


@router.get(
    "/service-requests/{request_id}/files/{attachment_id}",
    response={200: None, 404: ErrorOut},
    auth=founder_auth,
)
def download(request, request_id: RowId, attachment_id: RowId):
    actions.access_founder_request(request.auth, request_id)
    return _file(actions.access_attachment(request.auth, request_id, attachment_id))


@router.post("/service-requests/{request_id}/rate", response={200: RequestOut, **ERRORS}, auth=founder_auth)
def rate(request, request_id: RowId, body: RateIn):
    return request_out(actions.do_rate(request.auth, request_id, rating=body.rating, comment=body.comment))


@router.post("/service-requests/{request_id}/reopen", response={200: RequestOut, **ERRORS}, auth=founder_auth)
def reopen(request, request_id: RowId, body: ReopenIn):
    return request_out(actions.do_reopen(request.auth, request_id, reason=body.reason))


# --- officers ------------------------------------------------------------------------------------


class QueueQuery(Schema):
    assignee: str | None = None
    status: str | None = None
    category: str | None = None
    source: str | None = None


@router.get(
    "/staff/service-requests",
    response={200: list[RequestOut], 400: ErrorOut, 403: ErrorOut},
    auth=founder_auth,
)
def queue(request, q: Query[QueueQuery]):
    rows = queries.staff_queue(
        request.auth, assignee=q.assignee, status=q.status, category=q.category, source=q.source
    )
    return [request_out(r) for r in rows[:500]]


@router.get(
    "/staff/service-requests/{request_id}", response={200: RequestDetailOut, **ERRORS}, auth=founder_auth
)
def staff_get(request, request_id: RowId):
    return request_out(actions.access_staff_request(request.auth, request_id), detail=True, staff=True)


@router.get(
    "/staff/service-requests/{request_id}/files/{attachment_id}",
    response={200: None, **ERRORS},
    auth=founder_auth,
)
def staff_download(request, request_id: RowId, attachment_id: RowId):
    actions.access_staff_request(request.auth, request_id)
    return _file(actions.access_attachment(request.auth, request_id, attachment_id))


@router.post(
    "/staff/service-requests/{request_id}/reply",
    response={201: ThreadMessageOut, **ERRORS},
    auth=founder_auth,
)
def reply(request, request_id: RowId):
    """JSON ``{"text", "wait_for_founder"}`` or multipart with ``text``, ``file``, ``wait_for_founder``."""
    if request.content_type == "multipart/form-data":
        text, upload = request.POST.get("text", ""), request.FILES.get("file")
        wait = request.POST.get("wait_for_founder", "") in ("1", "true", "on")
    else:
        try:
            body = StaffReplyIn.model_validate(json.loads(request.body or b"{}"))
        except (ValueError, ValidationError):
            raise InvalidInput(
                "请提交回复内容(JSON的text字段)", 'Send {"text": ...} as JSON', field="text"
            ) from None
        text, upload, wait = body.text, None, body.wait_for_founder
    message = actions.check_reply(request.auth, request_id, text=text, upload=upload, wait_for_founder=wait)
    detail = request_out(message.request, detail=True, staff=True)
    return Status(201, next(m for m in detail["messages"] if m["id"] == message.pk))


@router.post(
    "/staff/service-requests/{request_id}/reassign", response={200: RequestOut, **ERRORS}, auth=founder_auth
)
def reassign(request, request_id: RowId, body: ReassignIn):
    return request_out(actions.check_reassign(request.auth, request_id, officer_id=body.officer_id))


@router.post(
    "/staff/service-requests/{request_id}/resolve", response={200: RequestOut, **ERRORS}, auth=founder_auth
)
def resolve(request, request_id: RowId, body: ResolveIn):
    return request_out(actions.check_resolve(request.auth, request_id, resolution=body.resolution))


@router.put(
    "/staff/companies/{company_id}/officer", response={200: AssignmentOut, **ERRORS}, auth=founder_auth
)
def assign_officer(request, company_id: RowId, body: OfficerIn):
    a = actions.check_assign_officer(request.auth, company_id, body.user_id)
    return {"company_id": a.company_id, "officer_id": a.officer_id, "assigned_at": a.assigned_at}


@router.post("/staff/officer-assignments", response={200: list[AssignmentOut], **ERRORS}, auth=founder_auth)
def assign_balanced(request, body: BalancedIn):
    """Many companies at once (``company_ids``, or every company without an officer), by caseload."""
    return [
        {"company_id": a.company_id, "officer_id": a.officer_id, "assigned_at": a.assigned_at}
        for a in actions.check_assign_balanced(request.auth, body.company_ids)
    ]


@router.get(
    "/staff/companies/{company_id}/timeline",
    response={200: list[TimelineEntryOut], **ERRORS},
    auth=founder_auth,
)
def company_timeline(request, company_id: RowId):
    return queries.timeline(queries.access_staff_company(request.auth, company_id), staff=True)


@router.get("/staff/service-figures", response={200: dict, 403: ErrorOut}, auth=founder_auth)
def service_figures(request):
    from beiyang.accounts.roles import has_role
    from beiyang.core.errors import AccessDenied

    if not has_role(request.auth, "service_officer", "reviewer"):
        raise AccessDenied("仅工作人员可以查看", "Staff only")
    return queries.figures()
