from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet
from django.utils import timezone

from beiyang.accounts.models import ApiToken, User


def tokens_issued_after(now: dt.datetime) -> dt.datetime:
    """Tokens issued before this have outlived ``TOKEN_LIFETIME_DAYS`` (none do with 0)."""
    days = settings.TOKEN_LIFETIME_DAYS
    return now - dt.timedelta(days=days) if days else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def active_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, created_at__gt=tokens_issued_after(timezone.now())
    ).order_by("-created_at")


def user_roles(user: User) -> list[str]:
    if not user.is_authenticated or not user.is_staff:
        return []
    return sorted(user.groups.values_list("name", flat=True))


@cache
def _tokens_users_sql(vendor: str, count: int) -> str:
    """On SQLite the rows come folded into one JSON array: Python's sqlite3 module lets go of
    the GIL for every row it fetches, and in a rush each of those costs a queue for it."""
    users, tokens = User._meta.db_table, ApiToken._meta.db_table
    columns = ", ".join(f'u."{field.column}"' for field in User._meta.concrete_fields)
    select = (
        f'{columns}, t."id", (t."last_used_at" IS NULL OR t."last_used_at" < %s), t."key_hash", '
        f'(t."created_at" > %s)'
    )
    keys = ", ".join(["%s"] * count)
    where = (
        f'FROM "{users}" u JOIN "{tokens}" t ON t."user_id" = u."id" '
        f'WHERE t."key_hash" IN ({keys}) AND t."revoked_at" IS NULL AND u."is_active" AND t."created_at" > %s'
    )
    if vendor == "sqlite":
        return f"SELECT json_group_array(json_array({select})) {where}"
    return f"SELECT {select} {where}"


@cache
def _user_converters(vendor: str) -> list[tuple[int, list, Any]]:
    """The ORM's converters for a user row (dates from SQLite's text, and so on), worked out
    once per database vendor instead of once per query."""
    found = []
    for i, field in enumerate(User._meta.concrete_fields):
        column = field.get_col(User._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((i, converters, column))
    return found


@cache
def _user_attnames() -> list[str]:
    return [field.attname for field in User._meta.concrete_fields]


def users_for_tokens(key_hashes: Sequence[str], stale_before: dt.datetime) -> dict[str, User]:
    """The active users live tokens belong to (token digest → user), each with ``token_id``,
    ``token_stale`` (last used before ``stale_before``, or never) and ``token_lasting`` (alive
    for longer than a process may remember it, ``TOKEN_CACHE_SECONDS``). Every API call whose token the
    process does not remember runs this, so it is one hand-written statement read into models
    the way the ORM would: building the same join with the ORM took three times as long."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the ``connection`` proxy looks it up
    issued_after = tokens_issued_after(timezone.now())
    lasting_after = issued_after + dt.timedelta(seconds=settings.TOKEN_CACHE_SECONDS)
    adapt = db.ops.adapt_datetimefield_value
    with db.cursor() as cursor:
        cursor.execute(
            _tokens_users_sql(db.vendor, len(key_hashes)),
            [adapt(stale_before), adapt(lasting_after), *key_hashes, adapt(issued_after)],
        )
        rows = json.loads(cursor.fetchone()[0]) if db.vendor == "sqlite" else cursor.fetchall()
    width = len(User._meta.concrete_fields)
    found = {}
    for row in rows:
        values = list(row[:width])
        for i, converters, column in _user_converters(db.vendor):
            for converter in converters:
                values[i] = converter(values[i], column, db)
        user = User.from_db(db.alias, _user_attnames(), values)
        user.token_id, user.token_stale = row[width], bool(row[width + 1])
        user.token_lasting = bool(row[width + 3])
        found[row[width + 2]] = user
    return found


def credential_is_live(user_id: int, *, key_hash: str | None = None, session_key: str | None = None) -> bool:
    """Whether what a long request (a message stream) was opened with still signs the user in:
    the token not revoked, or the session not logged out nor made stale by a password change,
    and the user still active. Read from the database, never from a process's memory."""
    if key_hash is not None:
        return ApiToken.objects.filter(
            key_hash=key_hash,
            user_id=user_id,
            revoked_at__isnull=True,
            user__is_active=True,
            created_at__gt=tokens_issued_after(timezone.now()),
        ).exists()
    if not session_key:
        return False
    from importlib import import_module

    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import constant_time_compare

    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(session.get(SESSION_KEY)) != str(user_id):
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user is not None and constant_time_compare(
        session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )
