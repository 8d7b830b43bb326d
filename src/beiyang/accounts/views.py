from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beiyang.accounts import actions, queries
from beiyang.core.errors import DomainError
from beiyang.core.forms import error_context, posted_date
from beiyang.core.ratelimit import client_ip

BACKEND = "beiyang.accounts.backends.PhonePasswordBackend"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only local paths, so the login form cannot be used to send people elsewhere.
    return target if target.startswith("/") and not target.startswith("//") else "/"


def signup_view(request):
    ctx = {"tab": "me", "form": request.POST}
    if request.method == "POST":
        try:
            user = actions.do_signup(
                phone=request.POST.get("phone", ""),
                password=request.POST.get("password", ""),
                name=request.POST.get("name", ""),
                birth_date=posted_date(request.POST.get("birth_date"), "birth_date"),
                resident_id=request.POST.get("resident_id") or None,
                ip=client_ip(request),
            )
        except DomainError as exc:
            ctx.update(error_context(exc))
            return render(request, "accounts/signup.html", ctx, status=400)
        login(request, user, backend=BACKEND)
        return redirect("web:company")
    return render(request, "accounts/signup.html", ctx)


def login_view(request):
    ctx = {
        "tab": "me",
        "form": request.POST,
        "next": _next_url(request),
        "mode": request.GET.get("mode", "password"),
    }
    if request.method == "POST":
        ctx["mode"] = request.POST.get("mode", "password")
        try:
            if ctx["mode"] == "sms":
                user = actions.check_sms_login(
                    request.POST.get("phone", ""), request.POST.get("code", ""), ip=client_ip(request)
                )
            else:
                user = actions.check_password_login(
                    request.POST.get("phone", ""), request.POST.get("password", ""), ip=client_ip(request)
                )
        except DomainError as exc:
            ctx.update(error_context(exc))
            return render(request, "accounts/login.html", ctx, status=400)
        login(request, user, backend=BACKEND)
        return redirect(_next_url(request))
    return render(request, "accounts/login.html", ctx)


@require_POST
def send_code_view(request):
    """htmx: send an SMS login code and answer with a one-line status."""
    try:
        actions.do_request_sms_code(request.POST.get("phone", ""), ip=client_ip(request))
    except DomainError as exc:
        return render(request, "accounts/_code_status.html", {"error": exc.localized()}, status=200)
    return render(request, "accounts/_code_status.html", {"sent": True})


@require_POST
def logout_view(request):
    actions.do_log_out(request)
    return redirect("web:home")


@login_required
def profile_view(request):
    ctx = {
        "tab": "me",
        "tokens": queries.active_tokens(request.user),
        "roles": queries.user_roles(request.user),
    }
    if request.method == "POST":
        try:
            actions.do_update_profile(
                request.user,
                actor=request.user,
                name=request.POST.get("name"),
                email=request.POST.get("email", ""),
                birth_date=posted_date(request.POST.get("birth_date"), "birth_date"),
                resident_id=request.POST.get("resident_id") or None,
            )
        except DomainError as exc:
            ctx.update(error_context(exc))
            ctx["form"] = request.POST
            return render(request, "accounts/profile.html", ctx, status=400)
        from django.contrib import messages

        messages.success(request, _("Saved."))
        return redirect("web:profile")
    return render(request, "accounts/profile.html", ctx)
