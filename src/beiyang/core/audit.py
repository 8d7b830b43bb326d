"""The audit log, after pretix's ``log_action``: every action calls ``log_action`` once."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

from beiyang.core.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: _jsonable(getattr(instance, name)) for name in fields}


def audit_entry(
    action_type: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    before: dict[Any, Any] | None = None,
    after: dict[Any, Any] | None = None,
    actor_label: str = "",
    **data: Any,
) -> AuditEntry:
    """An unsaved entry: ``log_action`` saves one, ``log_actions`` a batch in one statement."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=user,
        actor_label=actor_label or (str(getattr(user, "phone", "")) if user else "system"),
        action_type=action_type,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        data=_jsonable(data),
    )


def log_action(action_type: str, **fields: Any) -> AuditEntry:
    entry = audit_entry(action_type, **fields)
    entry.save(force_insert=True)
    return entry


def log_actions(entries: list[AuditEntry]) -> list[AuditEntry]:
    return AuditEntry.objects.bulk_create(entries)
