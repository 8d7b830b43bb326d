from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from beiyang.core.numbers import decimal_in
from beiyang.core.schemas import StrictSchema


class KpiOut(Schema):
    kpi: str
    label: str
    label_en: str
    value: Decimal | None
    target: Decimal
    unit: str
    scope: str
    as_of: dt.date | None
    source: str
    source_kind: str | None
    platform_value: Decimal | None
    progress: float | None


class KpiIn(StrictSchema):
    kpi: str = Field(max_length=40)
    value: decimal_in(10**15)
    as_of: dt.date | None = None
    source: str = Field("", max_length=300)
    source_by: str = Field("", max_length=100)
    source_document: str = Field("", max_length=200)
