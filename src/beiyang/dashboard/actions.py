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

EARLIEST_READING = dt.date(2000, 1, 1)


def _text(value: str | None, field: str, limit: int, zh: str, en: str) -> str:
    text = " ".join((value or "").split())  # one line: no control characters, no runs of spaces
    if len(text) > limit:
        raise InvalidInput(
            f"{zh}不能超过{limit}个字", f"{en} is at most {limit} characters", field=field, code="too_long"
        )
    return text


def source_line(source_by: str, source_document: str) -> str:
    """Who and which document as one line: 区统计局《2026年三季度统计公报》."""
    if source_document and not source_document.startswith("《"):
        source_document = f"《{source_document}》"
    return f"{source_by}{source_document}"


@transaction.atomic(durable=True)
def check_record_kpi(
    staff,
    *,
    kpi: str,
    value,
    as_of: dt.date | None,
    source: str = "",
    source_by: str = "",
    source_document: str = "",
) -> KpiValue:
    """Town administrators enter a figure with where it comes from: who published it and in
    which document (or a free ``source`` line, as the API takes it), and the date it is for.
    A second entry for the same KPI and date replaces the first; the audit keeps both."""
    if not has_role(staff, "town_admin"):
        raise AccessDenied("仅小镇管理员可以录入指标", "Only town administrators enter KPIs")
    if kpi not in KPIS:
        raise InvalidInput(
            "请选择要录入的指标", "Choose one of the town's KPIs", field="kpi", code="unknown_kpi"
        )
    spec = KPIS[kpi]
    number = to_decimal(value, "value")
    if number < 0:
        raise InvalidInput("指标值不能为负", "A KPI cannot be negative", field="value")
    if spec["unit"] != "元" and number != number.to_integral_value():
        raise InvalidInput(
            f"{spec['zh']}按{spec['unit']}计,应为整数",
            f"{spec['en']} is a count: a whole number",
            field="value",
            code="not_whole",
        )
    source_by = _text(source_by, "source_by", 100, "发布单位", "Published by")
    source_document = _text(source_document, "source_document", 200, "文件名称", "The document")
    source = _text(source, "source", 300, "数据来源", "The source") or source_line(source_by, source_document)
    if not source:
        raise InvalidInput(
            "请注明数据来源:发布单位或文件",
            "Say where the figure comes from: who or which document",
            field="source",
        )
    if len(source) > 300:
        raise InvalidInput("数据来源不能超过300个字", "The source is at most 300 characters", field="source")
    as_of = as_of or timezone.localdate()
    if as_of > timezone.localdate():
        raise InvalidInput("日期不能晚于今天", "as_of cannot be in the future", field="as_of")
    if as_of < EARLIEST_READING:
        raise InvalidInput("日期不能早于2000年", "as_of cannot be before 2000", field="as_of")
    before = KpiValue.objects.filter(kpi=kpi, as_of=as_of, computed=False).first()
    reading, _ = KpiValue.objects.update_or_create(
        kpi=kpi,
        as_of=as_of,
        computed=False,
        defaults={
            "value": number,
            "source": source,
            "source_by": source_by,
            "source_document": source_document,
            "entered_by": staff,
        },
    )
    log_action(
        "dashboard.kpi.recorded",
        actor=staff,
        obj=reading,
        kpi=kpi,
        value=number,
        as_of=as_of,
        source=source,
        replaced=None if before is None else {"value": before.value, "source": before.source},
    )
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
