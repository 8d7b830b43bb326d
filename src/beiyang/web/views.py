from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import render

from beiyang.accounts.queries import user_roles
from beiyang.accounts.roles import has_role
from beiyang.companies.queries import company_of
from beiyang.core.errors import DomainError
from beiyang.notifications.queries import inbox


def home(request):
    return render(request, "web/home.html", {"tab": "home", "company": company_of(request.user)})


@login_required
def inbox_view(request):
    return render(request, "web/inbox.html", {"inbox": inbox(request.user, limit=100)})


@login_required
def staff_home(request):
    if not request.user.is_staff:
        return HttpResponseForbidden("仅限工作人员 Staff only")
    return render(
        request,
        "web/staff_home.html",
        {"roles": user_roles(request.user), "can_packs": has_role(request.user, "town_admin")},
    )


def bad_request(request, error: DomainError):
    """A page's answer to input it cannot use: 400, the message in both languages, the field."""
    return render(request, "web/bad_request.html", {"error": error}, status=400)
