from django.conf import settings


def portal(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from beiyang.notifications.queries import unread_count

        unread = unread_count(user)
    return {
        "TOWN_NAME": settings.TOWN_NAME,
        "TOWN_NAME_EN": settings.TOWN_NAME_EN,
        "unread_count": unread,
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
