from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from beiyang.accounts.roles import has_role
from beiyang.core.audit import log_action
from beiyang.core.errors import AccessDenied, InvalidInput
from beiyang.core.money import to_decimal
from beiyang.dashboard.models import KPIS, KpiValue
from beiyang.dashboard.queries import PLATFORM_SOURCE, computed_value


@transaction.atomic(durable=True)
def check_record_kpi(staff, *, kpi: str, value, as_of: dt.date | None, source: str) -> KpiValue:
    """Staff enter a figure the platform does not hold, with where it comes from."""
    if not has_role(staff, "town_admin"):
        raise AccessDenied("仅小镇管理员可以录入指标", "Only town administrators enter KPIs")
    if kpi not in KPIS:
        raise InvalidInput(
            f"未知指标,可选:{'、'.join(KPIS)}", f"Unknown KPI; one of {', '.join(KPIS)}", field="kpi"
        )
    number = to_decimal(value, "value")
    if number < 0:
        raise InvalidInput("指标值不能为负", "A KPI cannot be negative", field="value")
    if not (source or "").strip():
        raise InvalidInput("请注明数据来源", "Say where the figure comes from", field="source")
    as_of = as_of or timezone.localdate()
    if as_of > timezone.localdate():
        raise InvalidInput("日期不能晚于今天", "as_of cannot be in the future", field="as_of")
    reading, _ = KpiValue.objects.update_or_create(
        kpi=kpi,
        as_of=as_of,
        computed=False,
        defaults={"value": number, "source": source[:300], "entered_by": staff},
    )
    log_action("dashboard.kpi.recorded", actor=staff, obj=reading, kpi=kpi, value=number, source=source[:300])
    return reading


def do_snapshot_kpis(today: dt.date | None = None) -> int:
    """Keep today's computed values, so that the charts have a history."""
    today = today or timezone.localdate()
    count = 0
    with transaction.atomic(durable=True):
        for kpi, spec in KPIS.items():
            if not spec["computed"]:
                continue
            value = computed_value(kpi)
            if value is None:
                continue
            KpiValue.objects.update_or_create(
                kpi=kpi,
                as_of=today,
                computed=True,
                defaults={"value": Decimal(value), "source": PLATFORM_SOURCE},
            )
            count += 1
        log_action("dashboard.kpis.snapshot", actor_label="dashboard", count=count, as_of=today)
    return count
