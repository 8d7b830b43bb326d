from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from beiyang.core.numbers import RowId
from beiyang.core.schemas import StrictSchema


class MatchOut(Schema):
    id: int
    kind: str
    name: str
    organisation: str
    summary: str
    score: float
    reasons: list[dict[str, str]]
    capacity_left: int | None


class IntroIn(StrictSchema):
    target_id: RowId
    message: str = Field("", max_length=2000)


class IntroOut(Schema):
    id: int
    target_id: int
    target_name: str
    status: str
    message: str
    created_at: dt.datetime


class AnswerIn(StrictSchema):
    outcome: str = Field(max_length=10)


class CohortIn(StrictSchema):
    company_ids: list[RowId] | None = Field(None, max_length=5000)
    mentor_ids: list[RowId] | None = Field(None, max_length=2000)
    need: str = Field("", max_length=200)
