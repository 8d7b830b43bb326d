from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
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


def users_for_tokens(key_hashes: Sequence[str], stale_before: dt.datetime) -> dict[str, User]:
    """The active users live tokens belong to (token digest → user), each with ``token_id``,
    ``token_stale`` (last used before ``stale_before``, or never) and ``token_lasting`` (alive for
    longer than a process may remember it, ``TOKEN_CACHE_SECONDS``). Every API call whose token
    the process does not remember runs this (lookups at the same moment share it). Through the
    ORM: a hand-written statement with the ORM's converters worked out by hand was measured
    beside it in a cold rush (``beiyang bench events``, the cold pairs: 78 against 80
    registrations/s) and gained nothing."""
    issued_after = tokens_issued_after(timezone.now())
    lasting_after = issued_after + dt.timedelta(seconds=settings.TOKEN_CACHE_SECONDS)
    found = {}
    tokens = ApiToken.objects.select_related("user").filter(
        key_hash__in=key_hashes, revoked_at__isnull=True, user__is_active=True, created_at__gt=issued_after
    )
    for token in tokens:
        user = token.user
        user.token_id = token.pk
        user.token_stale = token.last_used_at is None or token.last_used_at < stale_before
        user.token_lasting = token.created_at > lasting_after
        found[token.key_hash] = user
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


def provider_of(user: User):
    """The provider whose portal ``user`` signs in to, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return user.provider_memberships.filter(is_active=True).order_by("pk").first()


def workspace_url(user: User) -> str:
    """Where a person lands after signing in: staff on their workspace, a provider's people on
    its portal, a student on the internships page, founders on the home page."""
    from django.urls import reverse

    if user.is_staff:
        return reverse("web:staff_home")
    if provider_of(user) is not None:
        return reverse("web:provider_portal")
    if hasattr(user, "student") and not hasattr(user, "membership"):
        return reverse("web:internships")
    return reverse("web:home")
