from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from beiyang.core.numbers import RowId, bounded_int
from beiyang.core.schemas import StrictSchema


class CompanyIn(StrictSchema):
    name: str | None = Field(None, max_length=160)
    credit_code: str | None = Field(None, max_length=32)
    district: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=255)
    founded_on: dt.date | None = None
    stage: str | None = Field(None, max_length=20)
    sectors: list[str] | None = Field(None, max_length=20)
    headcount: bounded_int(0, 1_000_000) | None = None
    programmes: list[str] | None = Field(None, max_length=20)
    in_town: bool | None = None


class CreditCodeCorrectionIn(StrictSchema):
    credit_code: str = Field(max_length=32)
    reason: str = Field(max_length=500)


class MemberOut(Schema):
    user_id: int
    name: str
    role: str


class CompanyOut(Schema):
    id: int
    name: str
    credit_code: str
    district: str
    address: str
    founded_on: dt.date | None
    stage: str
    sectors: list[str]
    headcount: int | None
    programmes: list[str]
    in_town: bool
    members: list[MemberOut]


class StaffTieIn(StrictSchema):
    user_id: RowId
    company_id: RowId
    note: str = Field("", max_length=200)


class StaffTieOut(Schema):
    id: int
    user_id: int
    company_id: int
    note: str
