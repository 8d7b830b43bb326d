from __future__ import annotations

from django.db.models import QuerySet

from beiyang.accounts.models import ApiToken, User


def active_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def user_roles(user: User) -> list[str]:
    if not user.is_authenticated or not user.is_staff:
        return []
    return sorted(user.groups.values_list("name", flat=True))
