from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from beiyang.core.money import YuanIn
from beiyang.core.numbers import RowId
from beiyang.core.schemas import StrictSchema


class ApplicationIn(StrictSchema):
    policy: str = Field(max_length=60)
    amount_cny: YuanIn | None = None
    answers: dict[str, Any] = Field(default_factory=dict)


class RespondIn(StrictSchema):
    answers: dict[str, Any] = Field(default_factory=dict)
    note: str = Field("", max_length=2000)


class DocumentOut(Schema):
    id: int
    doc_type: str
    original_name: str
    size: int
    uploaded_at: dt.datetime


class ApplicationOut(Schema):
    id: int
    policy: str
    status: str
    lane: str
    company_id: int
    amount_requested_cny: Decimal | None
    max_amount_cny: Decimal | None
    granted_cny: Decimal | None
    due_at: dt.date | None
    due_estimated: bool
    sla: str
    assignee_id: int | None
    eligibility: dict[str, Any]
    eligibility_changed: bool
    documents_required: list[str]
    documents: list[DocumentOut]
    decision_reason: str
    waiver_from: dt.date | None
    waiver_until: dt.date | None
    voucher_grant_id: int | None
    awaiting_second_approval: bool
    timeline: list[dict[str, Any]]


class AssignIn(StrictSchema):
    application_ids: list[RowId] = Field(max_length=500)
    assignee_id: RowId


class AssignOneIn(StrictSchema):
    assignee_id: RowId | None = None


class RequestInfoIn(StrictSchema):
    message: str = Field(max_length=2000)


class ApproveIn(StrictSchema):
    amount_cny: YuanIn | None = None
    reason: str = Field(max_length=2000)
    criteria_checked: list[str] = Field(default_factory=list, max_length=50)


class RejectIn(StrictSchema):
    reason: str = Field(max_length=2000)
