from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from beiyang.accounts.roles import has_role
from beiyang.core.exports import table_response
from beiyang.dashboard import charts, exports, queries
from beiyang.dashboard.models import KPIS


def _kpi_cards(kpis: list[dict]) -> list[dict]:
    cards = []
    for k in kpis:
        points = [(d, float(v)) for d, v in queries.history(k["kpi"])]
        cards.append(
            {
                **k,
                "bar": mark_safe(
                    charts.progress(
                        k["label"],
                        float(k["value"]) if k["value"] is not None else None,
                        float(k["target"]),
                        k["unit"],
                    )
                ),
                "trend": mark_safe(charts.trend(k["label"], points, float(k["target"]))),
            }
        )
    return cards


def public_dashboard(request):
    """Town-level figures only: no company's data appears here."""
    return render(request, "dashboard/public.html", {"tab": "home", "cards": _kpi_cards(queries.kpis())})


def staff_dashboard(request):
    if not request.user.is_authenticated or not has_role(
        request.user, "reviewer", "event_manager", "voucher_officer", "service_officer"
    ):
        raise PermissionDenied
    fmt = request.GET.get("export")
    service = queries.service_figures()
    if fmt:
        table = request.GET.get("table", "kpis")
        if table == "benefits":
            return table_response(
                "benefits",
                ["政策 policy", "件数 count", "金额 amount"],
                [[r["policy"], r["count"], r["amount_cny"]] for r in service["benefits_granted"]],
                fmt,
            )
        if table == "vouchers":
            return table_response(
                "voucher-pools",
                [
                    "券种 kind",
                    "来源 source",
                    "年度 year",
                    "预算 budget",
                    "已发 granted",
                    "剩余 left",
                    "预计用尽 exhausted on",
                ],
                [
                    [
                        p["kind"],
                        p["source"],
                        p["year"],
                        p["budget_cny"],
                        p["granted_cny"],
                        p["left_cny"],
                        p["exhausted_on"].isoformat() if p["exhausted_on"] else "",
                    ]
                    for p in service["vouchers"]
                ],
                fmt,
            )
        head, rows = exports.kpi_rows(queries.kpis())
        return table_response("kpis", head, rows, fmt)
    events = service["events"]
    funnel = mark_safe(
        charts.funnel(
            _("Event registration funnel"),
            [
                (_("Registered"), events["registered"]),
                (_("Confirmed"), events["confirmed"]),
                (_("Checked in"), events["checked_in"]),
            ],
        )
    )
    return render(
        request,
        "dashboard/staff.html",
        {"cards": _kpi_cards(queries.kpis()), "service": service, "funnel": funnel, "kpi_keys": KPIS},
    )
