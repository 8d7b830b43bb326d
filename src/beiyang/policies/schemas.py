from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from beiyang.core.numbers import bounded_int
from beiyang.core.schemas import StrictSchema


class FounderFactsIn(StrictSchema):
    birth_date: dt.date | None = None
    age: bounded_int(0, 150) | None = None


class CompanyFactsIn(StrictSchema):
    district: str | None = Field(None, max_length=40)
    sectors: list[str] | None = Field(None, max_length=30)
    stage: str | None = Field(None, max_length=20)
    founded_on: dt.date | None = None
    programmes: list[str] | None = Field(None, max_length=30)
    in_town: bool | None = None
    headcount: bounded_int(0, 1_000_000) | None = None
    voucher_granted_cny: bounded_int(0, 1_000_000_000) | None = None


class EvaluateIn(StrictSchema):
    as_of: dt.date | None = None
    founder: FounderFactsIn | None = None
    company: CompanyFactsIn | None = None
    policies: list[str] | None = Field(None, max_length=50)


class CriterionOut(Schema):
    id: str
    label: str
    label_en: str
    result: str
    facts: dict[str, Any]
    source: str | None


class CitationOut(Schema):
    source: str
    document: str
    clause: str
    quote: str


class PolicyResultOut(Schema):
    policy: str
    title: str
    title_en: str
    level: list[str]
    kind: str
    status: str
    amount_cny: int | float | None
    amount_fen: int | None
    amount_note: str | None
    max_amount_cny: int | float | None
    max_amount_fen: int | None
    max_amount_label: str | None
    max_amount_label_en: str | None
    max_amount_parameters: list[str]
    breakdown: list[dict[str, Any]]
    ceiling: dict[str, Any] | None
    criteria: list[CriterionOut]
    missing_facts: list[dict[str, str]]
    citations: list[CitationOut]
    parameters: list[dict[str, Any]]
    would_qualify_if: list[dict[str, Any]]
    # Why the answer is "cannot be determined" when the pack's rules could not be computed.
    evaluation_error: str | None = None
    evaluation_error_en: str | None = None
    how_to_apply: str
    lane: str
    documents: list[str]


class EvaluationOut(Schema):
    as_of: dt.date
    pack: dict[str, str]
    facts: dict[str, Any]
    summary: dict[str, Any]
    results: list[PolicyResultOut]


class PolicyOut(Schema):
    id: str
    title: str
    title_en: str
    summary: str
    summary_en: str
    level: list[str]
    kind: str
    provider: str
    how_to_apply: str
    documents: list[str]
    citations: list[CitationOut]


class PackVersionOut(Schema):
    id: int
    pack_id: str
    version: str
    status: str
    note: str
    created_at: dt.datetime
    published_at: dt.datetime | None
