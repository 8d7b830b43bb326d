from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from beiyang.accounts.queries import user_roles
from beiyang.accounts.roles import has_role
from beiyang.applications.queries import review_queue
from beiyang.companies.queries import company_of
from beiyang.core.errors import DomainError
from beiyang.core.forms import bad_request, error_context, posted_time  # noqa: F401 (bad_request: re-exported)
from beiyang.events.queries import upcoming_events
from beiyang.notifications.actions import do_mark_all_read, do_mark_read, do_set_preferences, preference_for
from beiyang.notifications.queries import inbox
from beiyang.policies.queries import offers
from beiyang.vouchers.queries import pool_report


def home(request):
    return render(
        request, "web/home.html", {"tab": "home", "company": company_of(request.user), "offers": offers()}
    )


@login_required
def inbox_view(request):
    if request.method == "POST":
        # 全部已读: the only write the inbox page makes.
        do_mark_all_read(request.user)
        return redirect("web:inbox")
    return render(request, "web/inbox.html", {"tab": "me", "inbox": inbox(request.user, limit=100)})


@login_required
def message_view(request, message_id: int):
    """Opening a message reads it (as in any mail client): the badge drops by one."""
    try:
        message = do_mark_read(request.user, message_id)
    except DomainError:
        raise Http404 from None
    return render(request, "web/message.html", {"tab": "me", "m": message})


@login_required
def preferences_view(request):
    """Channels besides the inbox, the language of messages, and quiet hours."""
    pref = preference_for(request.user.pk)
    ctx = {"tab": "me", "pref": pref}
    if request.method == "POST":
        post = request.POST
        try:
            do_set_preferences(
                request.user,
                email=post.get("email") == "on",
                sms=post.get("sms") == "on",
                webhook=post.get("webhook") == "on",
                wechat=post.get("wechat") == "on",
                language=post.get("language") or "zh-hans",
                quiet_start=posted_time(post.get("quiet_start"), "quiet_start"),
                quiet_end=posted_time(post.get("quiet_end"), "quiet_end"),
            )
        except DomainError as exc:
            ctx.update(error_context(exc))
            return render(request, "web/preferences.html", ctx, status=400)
        messages.success(request, _("Saved."))
        return redirect("web:preferences")
    return render(request, "web/preferences.html", ctx)


@login_required
def staff_home(request):
    if not request.user.is_staff:
        raise PermissionDenied
    ctx = {"roles": user_roles(request.user), "staff_tab": "home"}
    if has_role(request.user, "reviewer"):
        ctx["waiting"] = review_queue().count()
        ctx["mine"] = review_queue(assignee="me", user=request.user).count()
    if has_role(request.user, "event_manager"):
        ctx["next_events"] = list(upcoming_events()[:3])
    if has_role(request.user, "voucher_officer"):
        ctx["pools"] = pool_report()
    return render(request, "web/staff_home.html", ctx)
