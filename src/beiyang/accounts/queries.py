from __future__ import annotations

import datetime as dt
from functools import cache

from django.db import connection
from django.db.models import QuerySet

from beiyang.accounts.models import ApiToken, User


def active_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def user_roles(user: User) -> list[str]:
    if not user.is_authenticated or not user.is_staff:
        return []
    return sorted(user.groups.values_list("name", flat=True))


@cache
def _token_user_sql() -> str:
    users, tokens = User._meta.db_table, ApiToken._meta.db_table
    columns = ", ".join(f'u."{field.column}"' for field in User._meta.concrete_fields)
    return (
        f'SELECT {columns}, t."id" AS token_id, '
        f'(t."last_used_at" IS NULL OR t."last_used_at" < %s) AS token_stale '
        f'FROM "{users}" u JOIN "{tokens}" t ON t."user_id" = u."id" '
        f'WHERE t."key_hash" = %s AND t."revoked_at" IS NULL AND u."is_active" LIMIT 1'
    )


def user_for_token(key_hash: str, stale_before: dt.datetime) -> User | None:
    """The active user a live token belongs to, with ``token_id`` and ``token_stale`` (last used
    before ``stale_before``, or never). Every API call runs this, so it is one hand-written
    statement: the ORM took three times as long to build the same join as to run it."""
    found = User.objects.raw(
        _token_user_sql(), [connection.ops.adapt_datetimefield_value(stale_before), key_hash]
    )
    return next(iter(found), None)
