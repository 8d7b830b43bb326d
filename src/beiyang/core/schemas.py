from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class StrictSchema(Schema):
    """Request bodies refuse fields they do not know, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    message_en: str
    field: str | None = None


class OkOut(Schema):
    ok: bool = True
