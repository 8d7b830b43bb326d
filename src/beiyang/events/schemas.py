from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from beiyang.core.numbers import MAX_INT, RowId, bounded_int
from beiyang.core.schemas import BoundedDateTime, StrictSchema

Kind = Literal["roadshow", "salon", "seminar", "competition", "training", "open_day"]


class GateRule(StrictSchema):
    """One rule of an event's gate: a fact of the policy pack and the values it must take
    (one of ``values``; a whole number within ``min``/``max``; a yes/no fact: yes)."""

    fact: str = Field(max_length=60)
    values: list[str] | None = Field(None, max_length=40)
    min: bounded_int(-MAX_INT, MAX_INT) | None = None
    max: bounded_int(-MAX_INT, MAX_INT) | None = None


class EventOut(Schema):
    id: int
    kind: str
    title: str
    title_en: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    capacity: int
    confirmed_count: int
    waitlist_count: int
    registration_open: bool
    eligibility_label: str
    gate: list[dict]
    status: str


class RegistrationOut(Schema):
    registration_id: int
    event_id: int
    status: str
    waitlist_position: int | None
    checkin_code: str | None
    checkin_token: str | None


class MyRegistrationOut(RegistrationOut):
    event_title: str
    starts_at: dt.datetime
    venue: str
    checked_in_at: dt.datetime | None


class CancelOut(Schema):
    registration_id: int
    status: str
    promoted: int


class EventIn(StrictSchema):
    kind: Kind
    title: str = Field(max_length=200)
    title_en: str = Field("", max_length=200)
    description: str = Field("", max_length=10_000)
    description_en: str = Field("", max_length=10_000)
    venue: str = Field(max_length=200)
    starts_at: BoundedDateTime
    ends_at: BoundedDateTime
    capacity: bounded_int(1, 100_000)
    registration_opens_at: BoundedDateTime | None = None
    registration_closes_at: BoundedDateTime | None = None
    waitlist_enabled: bool = True
    eligibility: str = Field("", max_length=500)
    eligibility_label: str = Field("", max_length=200)
    gate: list[GateRule] | None = Field(None, max_length=12)
    per_company_limit: bounded_int(1, 1000) | None = None
    status: Literal["draft", "published"] = "published"


class EventPatch(StrictSchema):
    kind: Kind | None = None
    title: str | None = Field(None, max_length=200)
    title_en: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    description_en: str | None = Field(None, max_length=10_000)
    venue: str | None = Field(None, max_length=200)
    starts_at: BoundedDateTime | None = None
    ends_at: BoundedDateTime | None = None
    capacity: bounded_int(1, 100_000) | None = None
    registration_opens_at: BoundedDateTime | None = None
    registration_closes_at: BoundedDateTime | None = None
    waitlist_enabled: bool | None = None
    eligibility: str | None = Field(None, max_length=500)
    eligibility_label: str | None = Field(None, max_length=200)
    gate: list[GateRule] | None = Field(None, max_length=12)
    per_company_limit: bounded_int(1, 1000) | None = None
    status: Literal["draft", "published"] | None = None


class CheckInIn(StrictSchema):
    code: str = Field(max_length=400)
    event_id: RowId | None = None


class CheckInOut(Schema):
    registration_id: int
    event_id: int
    name: str
    company: str | None
    checked_in_at: dt.datetime
    checked_in_count: int
    confirmed_count: int


class AttendeeOut(Schema):
    registration_id: int
    status: str
    name: str
    phone: str
    company: str | None
    created_at: dt.datetime
    checked_in_at: dt.datetime | None


class CalendarFeedOut(Schema):
    url: str | None
