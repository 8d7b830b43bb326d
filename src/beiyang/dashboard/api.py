from __future__ import annotations

from ninja import Router, Status

from beiyang.accounts.auth import founder_auth
from beiyang.accounts.roles import has_role
from beiyang.core.errors import AccessDenied
from beiyang.core.exports import table_response
from beiyang.core.schemas import ErrorOut
from beiyang.dashboard import actions, exports, queries
from beiyang.dashboard.schemas import KpiIn, KpiOut

router = Router(tags=["dashboard"])


@router.get("/dashboard/kpis", response=list[KpiOut], auth=None)
def kpis(request):
    """The town's progress against its 2027 targets (town-level figures only)."""
    return queries.kpis()


@router.get("/dashboard/kpis/export", response={200: None}, auth=None)
def kpis_export(request, format: str = "csv"):
    head, rows = exports.kpi_rows(queries.kpis())
    return table_response("kpis", head, rows, "xlsx" if format == "xlsx" else "csv")


@router.post("/staff/dashboard/kpis", response={201: KpiOut, 400: ErrorOut, 403: ErrorOut}, auth=founder_auth)
def record(request, body: KpiIn):
    actions.check_record_kpi(
        request.auth,
        kpi=body.kpi,
        value=str(body.value),
        as_of=body.as_of,
        source=body.source,
        source_by=body.source_by,
        source_document=body.source_document,
    )
    return Status(201, next(k for k in queries.kpis() if k["kpi"] == body.kpi))


@router.get("/staff/dashboard", response={200: dict, 403: ErrorOut}, auth=founder_auth)
def staff_figures(request):
    if not request.auth.is_staff or not (
        has_role(request.auth, "reviewer", "event_manager", "voucher_officer")
    ):
        raise AccessDenied("仅工作人员可以查看", "Staff only")
    return {"kpis": queries.kpis(), "service": queries.service_figures()}
