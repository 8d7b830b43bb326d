"""The one way a request's ids and whole numbers are read: paths, queries, JSON bodies, forms.

A number a caller typed is never handed to ``int()`` by delivery code: ``int("²")`` raises,
``int("١٢")`` is 12, ``"²".isdigit()`` is true, and 2**63 overflows the database driver (a
500 where the caller deserved a 400). Everything here accepts ASCII digits only (an optional
leading minus where negatives make sense), within the database's range for ids and within a
business range for counts and amounts, and refuses anything else with ``InvalidInput`` (400)
or, in a django-ninja schema, pydantic's own error (422), both naming the field.

- ``RowId`` and ``bounded_int(low, high)``: annotated types for ninja path, query and body
  parameters (the OpenAPI document carries the bounds, so schemathesis probes them).
- ``read_id`` and ``read_int``: the same rules for a value read from a page's form or query.
- ``RowIdConverter``: the portal's ``<id:...>`` path converter (too large is "no such page").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictInt
from pydantic_core import PydanticCustomError

from beiyang.core.errors import InvalidInput

# The largest integer a row id can be (a signed 64-bit column on SQLite and PostgreSQL); a
# bigger number is not "no such row" but an overflow in the database driver.
MAX_ROW_ID = 2**63 - 1
# The widest whole number a business field may hold (a signed 32-bit integer column).
MAX_INT = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ROW_ID))
# The queues' ``assignee`` filter (a user id, ``me`` or ``none``), named the same everywhere.
ASSIGNEE_WORDS = ("assignee(经办人)", "assignee")


def not_a_flag(value: Any) -> Any:
    # JSON ``true`` is not the number 1 (pydantic's lax mode would take it as one). Annotated
    # after the bounds, so that the JSON schema still shows them as minimum and maximum.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a number, not true or false")
    if isinstance(value, str) and not value.strip().lstrip("+-").isascii():
        raise PydanticCustomError("int_parsing", "Input should be written in ASCII digits")
    return value


RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID), BeforeValidator(not_a_flag)]


def bounded_int(low: int, high: int, *, strict: bool = False) -> Any:
    """A whole number between ``low`` and ``high`` (both included), for ninja parameters.
    ``strict``: a JSON number only (not ``"5"``), for bodies whose strings mean a mistake."""
    return Annotated[StrictInt if strict else int, Field(ge=low, le=high), BeforeValidator(not_a_flag)]


def decimal_in(limit: int) -> Any:
    """A figure a caller sends as a JSON number or a string (``"12000.00"``), within ±``limit``,
    for ninja bodies; the action reads the string through its own parser (money: ``to_decimal``)."""
    # The number branch is left to the action's parser (its range message names the field as
    # the caller wrote it, not pydantic's ``amount_cny.decimal``); the bounds of the integer
    # branch tell clients and schemathesis the range.
    return Decimal | Annotated[StrictInt, Field(ge=-limit, le=limit)] | Annotated[str, Field(max_length=40)]


def whole_number(raw: object) -> int | None:
    """``raw`` as an int when it is ASCII digits with an optional leading minus; else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw if raw is not None else "").strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits or len(digits) > _MAX_DIGITS + 1 or not (digits.isascii() and digits.isdigit()):
        return None
    return int(text)


def _field_words(field: str, label: tuple[str, str] | None) -> tuple[str, str]:
    return label if label else (field, field)


def read_id(
    raw: object,
    field: str,
    *,
    label: tuple[str, str] | None = None,
    optional: bool = False,
    also: str = "",
    also_en: str = "",
) -> int | None:
    """A row id typed into a form or query (``optional``: empty gives None). ``also``: the
    other words the field accepts, said in the message (``"me 或 none"``)."""
    if optional and (raw is None or str(raw).strip() == ""):
        return None
    value = whole_number(raw)
    if value is not None and 1 <= value <= MAX_ROW_ID:
        return value
    zh, en = _field_words(field, label)
    raise InvalidInput(
        f"{zh}应为编号(正整数){'、' + also if also else ''}",
        f"{en} must be an id (a positive whole number){' or ' + also_en if also_en else ''}",
        field=field,
        code="invalid_id",
    )


def read_int(
    raw: object,
    field: str,
    *,
    low: int,
    high: int,
    label: tuple[str, str] | None = None,
    optional: bool = False,
) -> int | None:
    """A whole number from ``low`` to ``high`` typed into a form or query (``optional``: empty
    gives None)."""
    if optional and (raw is None or str(raw).strip() == ""):
        return None
    value = whole_number(raw)
    if value is not None and low <= value <= high:
        return value
    zh, en = _field_words(field, label)
    raise InvalidInput(
        f"{zh}应为{low}到{high}之间的整数",
        f"{en} must be a whole number from {low} to {high}",
        field=field,
        code="invalid_number",
    )


class RowIdConverter:
    """``<id:name>`` in the portal's paths: ASCII digits of a row id, else no such page."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ROW_ID:
            raise ValueError(value)  # Django reads this as "the path does not match": a 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)
