"""The town's figures: KPIs against the 2027 targets (computed from the platform's own data
where it holds them, the latest staff entry where it does not) and the service figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from beiyang.agent.queries import handover_rate
from beiyang.applications.models import Application
from beiyang.applications.queries import counts as application_counts
from beiyang.companies.models import Company
from beiyang.dashboard.models import KPIS, SOURCE, KpiValue
from beiyang.events.models import Event, Registration
from beiyang.matching.models import MatchProfile
from beiyang.notifications.models import Delivery
from beiyang.service.queries import figures
from beiyang.vouchers.queries import pool_report

PLATFORM_SOURCE = "北杨平台统计"


def computed_value(kpi: str) -> Decimal | None:

    if kpi == "town_companies":
        return Decimal(Company.objects.filter(in_town=True).count())
    if kpi == "district_companies":
        return Decimal(Company.objects.filter(district="徐汇").exclude(sectors=[]).count())
    if kpi == "district_talents":
        return Decimal(Company.objects.filter(district="徐汇").aggregate(s=Sum("headcount"))["s"] or 0)
    if kpi == "town_platforms":
        return Decimal(MatchProfile.objects.filter(kind="incubator", is_active=True).count())
    return None


def kpis(today: dt.date | None = None) -> list[dict[str, Any]]:
    """Each KPI against its target. A figure staff entered with its source (an official one)
    comes first; the platform's own count stands in where none was entered, and is kept
    beside it (``platform_value``) where it exists."""
    today = today or timezone.localdate()
    out = []
    for key, spec in KPIS.items():
        entered = KpiValue.objects.filter(kpi=key, computed=False).order_by("-as_of", "-id").first()
        platform = computed_value(key) if spec["computed"] else None
        if entered is not None:
            value, source, as_of, kind = entered.value, entered.source, entered.as_of, "entered"
        elif platform is not None:
            value, source, as_of, kind = platform, PLATFORM_SOURCE, today, "platform"
        else:
            value, source, as_of, kind = None, "", None, None
        target = Decimal(spec["target"])
        out.append(
            {
                "kpi": key,
                "label": spec["zh"],
                "label_en": spec["en"],
                "value": value,
                "target": target,
                "unit": spec["unit"],
                "scope": spec["scope"],
                "as_of": as_of,
                "source": source,
                "source_kind": kind,
                "platform_value": platform,
                "target_source": SOURCE,
                "progress": float(value / target) if value is not None else None,
            }
        )
    return out


def history(kpi: str, days: int = 365) -> list[tuple[dt.date, Decimal]]:
    """The series the dashboard draws: the entered figures where there are any (one source
    throughout, no jumps between an official figure and the platform's count), else the
    platform's daily snapshots."""
    since = timezone.localdate() - dt.timedelta(days=days)
    readings = KpiValue.objects.filter(kpi=kpi, as_of__gte=since)
    entered = readings.filter(computed=False)
    chosen = entered if entered.exists() else readings.filter(computed=True)
    return [(r.as_of, r.value) for r in chosen.order_by("as_of")]


def entered_readings(kpi: str, limit: int = 100) -> list[KpiValue]:
    """What staff entered for a KPI, newest first, with who entered it."""
    return list(
        KpiValue.objects.filter(kpi=kpi, computed=False)
        .select_related("entered_by")
        .order_by("-as_of", "-id")[:limit]
    )


def service_figures() -> dict[str, Any]:

    approved = (
        Application.objects.filter(status__in=["approved", "disbursed"])
        .values("policy_id")
        .annotate(n=Count("id"), fen=Sum("granted_fen"))
        .order_by("policy_id")
    )
    registrations = Registration.objects.aggregate(
        registered=Count("id"),
        confirmed=Count("id", filter=Q(status="confirmed")),
        waitlisted=Count("id", filter=Q(status="waitlisted")),
        checked_in=Count("id", filter=Q(checked_in_at__isnull=False)),
    )
    deliveries = Counter(Delivery.objects.values_list("status", flat=True))
    sent, failed = deliveries.get("sent", 0), deliveries.get("failed", 0)
    handovers = _handover_rate()
    return {
        "benefits_granted": [
            {"policy": r["policy_id"], "count": r["n"], "amount_cny": Decimal(r["fen"] or 0) / 100}
            for r in approved
        ],
        "applications": application_counts(),
        "vouchers": pool_report(),
        "events": {**registrations, "events": Event.objects.exclude(status="draft").count()},
        "messages": {
            "by_status": dict(deliveries),
            "success_rate": round(sent / (sent + failed), 3) if sent + failed else None,
        },
        "agent_handover_rate": handovers,
        "service": _service_requests(),
    }


def _service_requests() -> dict[str, Any] | None:
    from django.apps import apps

    if not apps.is_installed("beiyang.service"):
        return None

    return figures()


def _handover_rate() -> float | None:
    from django.apps import apps

    if not apps.is_installed("beiyang.agent"):
        return None

    return handover_rate()
