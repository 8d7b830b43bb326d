"""Staff roles are Django groups with permissions; ``town_admin`` holds every role."""

from __future__ import annotations

from typing import Any

from beiyang.core.errors import AccessDenied

ROLES: dict[str, dict[str, Any]] = {
    "reviewer": {
        "label": "审核员 Reviewer",
        "permissions": ["companies.view_company", "accounts.view_user"],
    },
    "event_manager": {
        "label": "活动管理员 Event manager",
        "permissions": ["accounts.view_user", "companies.view_company"],
    },
    "voucher_officer": {
        "label": "券务专员 Voucher officer",
        "permissions": [
            "companies.view_company",
            "accounts.view_provider",
            "accounts.add_provider",
            "accounts.change_provider",
        ],
    },
    "judge": {
        "label": "大赛评委 Competition judge",
        "permissions": [],
    },
    "service_officer": {
        "label": "服务专员 Service officer",
        "permissions": ["companies.view_company"],
    },
    "town_admin": {
        "label": "小镇管理员 Town administrator",
        "permissions": [
            "companies.view_company",
            "companies.change_company",
            "accounts.view_user",
            "accounts.change_user",
            "accounts.view_provider",
            "accounts.add_provider",
            "accounts.change_provider",
            "core.view_auditentry",
        ],
    },
}
ROLE_NAMES = tuple(ROLES)


def has_role(user: Any, *roles: str) -> bool:
    """True when the user is active staff holding one of the roles (town admins hold all)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return "town_admin" in names or any(r in names for r in roles)


def require_town_admin(user: Any) -> None:
    """Refuse anyone but a town administrator (AccessDenied, 403)."""

    if not has_role(user, "town_admin"):
        raise AccessDenied("仅小镇管理员可操作", "Town administrators only")


def ensure_role_groups(sender: Any = None, **kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    for role, spec in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in spec["permissions"]:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm:
                wanted.append(perm)
        group.permissions.add(*wanted)
