from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, ConfigDict

from beiyang.core.errors import InvalidInput


def _within_calendar(value: dt.datetime) -> dt.datetime:
    # Year 1 or 9999 in Asia/Shanghai falls off the calendar once converted to UTC.
    if not 1900 <= value.year <= 9000:
        raise ValueError("the year must be between 1900 and 9000")
    # ISO 8601 allows offsets PostgreSQL refuses (-19:55): the instant is kept, in UTC.
    return value.astimezone(dt.UTC) if value.tzinfo is not None else value


def checked_moment(value: dt.datetime, field: str) -> dt.datetime:
    """A moment typed into a form, made aware (the town's clock when naive) and checked as the
    API's ``BoundedDateTime`` is: a clear 400 naming the field instead of an overflow."""
    from django.utils import timezone

    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return _within_calendar(value)
    except (ValueError, OverflowError):
        raise InvalidInput(
            "时间须在1900年到9000年之间", "The time must fall between the years 1900 and 9000", field=field
        ) from None


# Any real moment, never one that overflows converting time zones or that the database's
# offset range refuses: query bounds and every time a caller writes (events, rounds).
BoundedDateTime = Annotated[dt.datetime, AfterValidator(_within_calendar)]


def _naive_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("a local time of day (Asia/Shanghai), without a UTC offset")
    return value


# A time of day on the town's clock; an offset means nothing for quiet hours and the database
# refuses one.
LocalTime = Annotated[dt.time, AfterValidator(_naive_time)]


class StrictSchema(Schema):
    """Request bodies refuse fields they do not know, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    message_en: str
    field: str | None = None


class FieldErrorOut(Schema):
    field: str | None = None
    code: str
    message: str
    message_en: str


class ValidationErrorOut(ErrorOut):
    """422: the first problem at the top, every problem in ``errors``."""

    errors: list[FieldErrorOut]


class OkOut(Schema):
    ok: bool = True
