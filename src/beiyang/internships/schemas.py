from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class PositionIn(Schema):
    title: str = Field(max_length=120)
    skills: list[str] = Field(default_factory=list, max_length=30)
    seats: int = Field(ge=1, le=100)
    months: int = Field(ge=1, le=24)
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
    positions: list[int] = Field(max_length=200)


class StudentRankingIn(Schema):
    students: list[int] = Field(max_length=1000)
