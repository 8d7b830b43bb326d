from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from beiyang.accounts.roles import has_role
from beiyang.core.errors import DomainError
from beiyang.events import actions, queries
from beiyang.events.calendar import ics_response
from beiyang.events.models import KINDS, Registration


def event_list(request):
    kind = request.GET.get("kind") or None
    events = queries.upcoming_events(kind=kind if kind in KINDS else None)
    mine = {}
    if request.user.is_authenticated:
        mine = {r.event_id: r for r in queries.my_registrations(request.user, active_only=True)}
    return render(
        request,
        "events/list.html",
        {"tab": "events", "events": events, "kinds": KINDS, "kind": kind, "mine": mine},
    )


def _detail_context(request, event_id: int) -> dict:
    try:
        event = queries.event_or_404(event_id)
    except DomainError:
        raise Http404 from None
    registration = queries.my_registration(request.user, event)
    ctx = {
        "tab": "events",
        "event": event,
        "registration": registration,
        "kind_label": KINDS[event.kind],
        "open": queries.registration_open(event),
    }
    if registration is not None:
        ctx["position"] = actions.waitlist_position(registration)
        if registration.status == Registration.CONFIRMED:
            ctx["qr_svg"] = segno.make(actions.checkin_token(registration), error="m").svg_inline(scale=4)
    return ctx


def event_detail(request, event_id: int):
    return render(request, "events/detail.html", _detail_context(request, event_id))


@require_POST
@login_required
def register_view(request, event_id: int):
    """htmx: the one tap. Answers with the refreshed registration panel."""
    error = None
    try:
        actions.do_register(
            request.user, event_id, idempotency_key=request.headers.get("Idempotency-Key", "")
        )
    except DomainError as exc:
        error = exc.localized()
    ctx = _detail_context(request, event_id)
    ctx["error"] = error
    return render(request, "events/_panel.html", ctx)


@require_POST
@login_required
def cancel_view(request, event_id: int):
    error = None
    try:
        actions.do_cancel_registration(request.user, event_id)
    except DomainError as exc:
        error = exc.localized()
    ctx = _detail_context(request, event_id)
    ctx["error"] = error
    return render(request, "events/_panel.html", ctx)


@login_required
def my_events(request):
    return render(
        request,
        "events/mine.html",
        {
            "tab": "events",
            "registrations": queries.my_registrations(request.user),
            "feed_token": queries.calendar_feed_token(request.user),
        },
    )


def personal_feed(request, token: str):
    """A founder's calendar feed for calendar apps, which cannot sign in: the token is the key."""
    user = queries.calendar_feed_user(token)
    if user is None:
        raise Http404
    events = [r.event for r in queries.my_registrations(user, active_only=True)]
    return ics_response(events, "北杨小镇活动 Beiyang events")


@login_required
@require_POST
def rotate_feed_view(request):
    actions.do_rotate_calendar_feed(request.user)
    return redirect("web:my_events")


@login_required
@require_POST
def turn_off_feed_view(request):
    actions.do_turn_off_calendar_feed(request.user)
    return redirect("web:my_events")


def event_ics(request, event_id: int):
    try:
        event = queries.event_or_404(event_id)
    except DomainError:
        raise Http404 from None
    return ics_response([event], event.title, f"event-{event.pk}.ics")


@login_required
def checkin_desk(request, event_id: int):
    if not has_role(request.user, "event_manager"):
        return HttpResponseForbidden("仅活动管理员 Event managers only")
    try:
        event = queries.event_or_404(event_id, staff=True)
    except DomainError:
        raise Http404 from None
    ctx = {"event": event}
    if request.method == "POST":
        try:
            registration = actions.do_check_in(request.user, request.POST.get("code", ""), event_id=event.pk)
            ctx["checked"] = registration
        except DomainError as exc:
            ctx["error"] = exc.localized()
        ctx["event"] = queries.event_or_404(event_id, staff=True)
        return render(request, "events/_checkin_result.html", ctx)
    if request.htmx and request.GET.get("counts"):
        return render(request, "events/_counts.html", ctx)
    ctx["registrations"] = queries.event_registrations(event)
    return render(request, "events/checkin.html", ctx)


@login_required
def staff_events(request):
    if not has_role(request.user, "event_manager"):
        return HttpResponseForbidden("仅活动管理员 Event managers only")
    return render(
        request,
        "events/staff_list.html",
        {"events": queries.upcoming_events(include_past=True).order_by("-starts_at")[:100]},
    )
