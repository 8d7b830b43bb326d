from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from beiyang.accounts.roles import has_role
from beiyang.core import words
from beiyang.core.errors import DomainError
from beiyang.core.exports import table_response
from beiyang.core.forms import error_context, posted_date
from beiyang.core.money import to_decimal
from beiyang.dashboard import actions, charts, exports, queries
from beiyang.dashboard.models import KPIS

# Money KPIs are entered in 亿元: the district's industry is counted in hundreds of 亿.
YI = Decimal(100_000_000)


def _kpi_cards(kpis: list[dict]) -> list[dict]:
    cards = []
    for k in kpis:
        points = [(d, float(v)) for d, v in queries.history(k["kpi"])]
        name = k["label_en"] if words.english() and k.get("label_en") else k["label"]
        cards.append(
            {
                **k,
                "bar": mark_safe(
                    charts.progress(
                        name,
                        float(k["value"]) if k["value"] is not None else None,
                        float(k["target"]),
                        k["unit"],
                    )
                ),
                "trend": mark_safe(charts.trend(name, points, float(k["target"]))),
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


def _town_admin(request) -> None:
    if not has_role(request.user, "town_admin"):
        raise PermissionDenied


@login_required
def kpi_entry(request):
    """The town administrator's list: every KPI, its figure, where it comes from, and a link
    to enter a new figure."""
    _town_admin(request)
    return render(request, "dashboard/kpi_entry.html", {"kpis": queries.kpis(), "staff_tab": "dashboard"})


@login_required
def kpi_detail(request, kpi: str):
    """Enter one KPI's figure with its source and date; the figures entered so far below."""
    _town_admin(request)
    if kpi not in KPIS:
        raise Http404
    spec = KPIS[kpi]
    ctx = {
        "spec": spec,
        "kpi": kpi,
        "in_yi": spec["unit"] == "元",
        "current": next(k for k in queries.kpis() if k["kpi"] == kpi),
        "staff_tab": "dashboard",
        "form": None,
    }
    if request.method == "POST":
        post = request.POST
        ctx["form"] = post
        try:
            value = to_decimal(post.get("value", ""), "value")
            actions.check_record_kpi(
                request.user,
                kpi=kpi,
                value=value * YI if ctx["in_yi"] else value,
                as_of=posted_date(post.get("as_of"), "as_of"),
                source_by=post.get("source_by", ""),
                source_document=post.get("source_document", ""),
            )
        except DomainError as exc:
            ctx.update(error_context(exc))
            ctx["readings"] = queries.entered_readings(kpi)
            return render(request, "dashboard/kpi_detail.html", ctx, status=exc.status)
        messages.success(request, _("Figure saved with its source."))
        return redirect("web:kpi_detail", kpi)
    ctx["readings"] = queries.entered_readings(kpi)
    return render(request, "dashboard/kpi_detail.html", ctx)
