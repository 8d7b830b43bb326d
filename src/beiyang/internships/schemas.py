from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from beiyang.core.numbers import RowId, bounded_int


class PositionIn(Schema):
    title: str = Field(max_length=120)
    skills: list[str] = Field(default_factory=list, max_length=30)
    seats: bounded_int(1, 100)
    months: bounded_int(1, 24)
    starts_on: dt.date


class PositionOut(Schema):
    id: int
    company_id: int
    company: str
    title: str
    skills: list[str]
    seats: int
    months: int
    starts_on: dt.date
    is_open: bool


class StudentIn(Schema):
    school: str = Field(max_length=120)
    programme: str = Field(max_length=120)
    skills: list[str] = Field(default_factory=list, max_length=30)


class StudentOut(Schema):
    school: str
    programme: str
    skills: list[str]


class PositionRankingIn(Schema):
    positions: list[RowId] = Field(max_length=200)


class StudentRankingIn(Schema):
    students: list[RowId] = Field(max_length=1000)
