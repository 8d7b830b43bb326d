from django.conf import settings

from beiyang.accounts.roles import has_role
from beiyang.notifications.queries import unread_count


def portal(request):
    user = getattr(request, "user", None)
    out = {
        "TOWN_NAME": settings.TOWN_NAME,
        "TOWN_NAME_EN": settings.TOWN_NAME_EN,
        "unread_count": 0,
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
    if user is not None and user.is_authenticated:
        out["unread_count"] = unread_count(user)
        if user.is_staff:
            out.update(staff_capabilities(user))
    return out


def staff_capabilities(user) -> dict[str, bool]:
    """What each role can open: the workspace shows a role only the links it can use."""

    return {
        "can_review": has_role(user, "reviewer"),
        "can_events": has_role(user, "event_manager"),
        "can_vouchers": has_role(user, "voucher_officer"),
        "can_service": has_role(user, "service_officer"),
        "can_judge": has_role(user, "judge"),
        "can_packs": has_role(user, "town_admin"),
    }
