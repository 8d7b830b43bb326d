from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beiyang.accounts.roles import has_role
from beiyang.companies.queries import company_of
from beiyang.core import words
from beiyang.core.errors import DomainError, InvalidInput
from beiyang.core.forms import error_context
from beiyang.core.numbers import MAX_INT, read_int
from beiyang.events import actions, queries
from beiyang.events.calendar import ics_response
from beiyang.events.eligibility import evaluate_rules, fact_choices, gate_facts, gate_words, rule_words
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
        "gate_words": _gate_words(event),
    }
    if event.gate and registration is None and request.user.is_authenticated:
        ctx["gate_unmet"] = _gate_unmet(event, request.user)
    if registration is not None:
        ctx["position"] = actions.waitlist_position(registration)
        if registration.status == Registration.CONFIRMED:
            ctx["qr_svg"] = segno.make(actions.checkin_token(registration), error="m").svg_inline(scale=4)
    return ctx


def _gate_words(event) -> str:
    """Who may register, in the reader's language: from the chosen gate, else the words saved
    with a written condition."""
    return gate_words(event.gate, words.english()) if event.gate else event.eligibility_label


def _gate_unmet(event, user) -> list[str]:
    """The rules this founder's company does not meet yet, said before the tap."""

    failed, _missing = evaluate_rules(event.gate, company_of(user))
    facts = {f.id: f for f in gate_facts()}
    return [rule_words(r, facts[r["fact"]], words.english()) for r in failed]


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
    registrations = list(queries.my_registrations(request.user))
    now = timezone.now()
    for r in registrations:
        # The QR to show at the door, for confirmed registrations of events not yet over.
        if r.status == Registration.CONFIRMED and r.event.ends_at >= now and not r.checked_in_at:
            r.qr_svg = segno.make(actions.checkin_token(r), error="m").svg_inline(scale=4)
    return render(
        request,
        "events/mine.html",
        {
            "tab": "events",
            "registrations": registrations,
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


def _staff_event(request, event_id: int):
    if not has_role(request.user, "event_manager"):
        raise PermissionDenied
    try:
        return queries.event_or_404(event_id, staff=True)
    except DomainError:
        raise Http404 from None


def _desk_context(request, event) -> dict:
    opens, closes = actions.checkin_window(event)
    now = timezone.now()
    q = (request.GET.get("q") or "").strip()
    registrations = queries.event_registrations(event)
    if q:
        registrations = registrations.filter(Q(user__name__icontains=q) | Q(user__phone__contains=q))
    return {
        "event": event,
        "kind_label": KINDS[event.kind],
        "checkin_opens": opens,
        "checkin_closes": closes,
        "checkin_open": opens <= now <= closes,
        "checkin_later": now < opens,
        "registrations": registrations,
        "q": q,
        "staff_tab": "events",
    }


@login_required
def checkin_desk(request, event_id: int):
    event = _staff_event(request, event_id)
    ctx = {"event": event}
    if request.method == "POST":
        try:
            registration = actions.do_check_in(request.user, request.POST.get("code", ""), event_id=event.pk)
            ctx["checked"] = registration
        except DomainError as exc:
            ctx["error"] = exc.localized()
        ctx["event"] = queries.event_or_404(event_id, staff=True)
        if not request.htmx:
            # A manual check-in from the attendee list: back to the list with the outcome.
            if "error" in ctx:
                messages.error(request, ctx["error"])
            else:
                messages.success(request, _("%(name)s checked in.") % {"name": ctx["checked"].user.name})
            return redirect(request.get_full_path())
        return render(request, "events/_checkin_result.html", ctx)
    if request.htmx and request.GET.get("counts"):
        return render(request, "events/_counts.html", ctx)
    return render(request, "events/checkin.html", _desk_context(request, event))


@login_required
def staff_events(request):
    if not has_role(request.user, "event_manager"):
        raise PermissionDenied
    now = timezone.now()
    events = queries.upcoming_events(include_past=True)
    return render(
        request,
        "events/staff_list.html",
        {
            "upcoming": list(events.filter(ends_at__gte=now).order_by("starts_at", "id")[:100]),
            "past": list(events.filter(ends_at__lt=now).order_by("-starts_at", "-id")[:30]),
            "staff_tab": "events",
        },
    )


GATE_WORDS = ("报名条件", "who may register")


def _posted_gate(post) -> list[dict]:
    """The gate as chosen on the form: ticked values per fact, bounds for numbers, yes/no boxes."""
    rules = []
    for fact in gate_facts():
        key = f"gate.{fact.id}"
        if fact.type == "bool":
            if post.get(key) == "on":
                rules.append({"fact": fact.id})
        elif fact.type == "int":
            bounds = {
                b: read_int(
                    post.get(f"{key}.{b}"),
                    "gate",
                    low=-MAX_INT,
                    high=MAX_INT,
                    label=GATE_WORDS,
                    optional=True,
                )
                for b in ("min", "max")
            }
            bounds = {b: v for b, v in bounds.items() if v is not None}
            if bounds:
                rules.append({"fact": fact.id, **bounds})
        else:
            values = post.getlist(key)
            if values or post.get(f"{key}.any") == "on":
                rules.append({"fact": fact.id, "values": values})
    return rules


def _gate_fields(event, post) -> list[dict]:
    """Each fact a manager can gate on, with its choices and what is chosen (posted, else saved)."""
    saved = {r["fact"]: r for r in (event.gate if event else [])}
    english = words.english()
    fields = []
    for fact in gate_facts():
        key = f"gate.{fact.id}"
        rule = saved.get(fact.id, {})
        if post is not None:
            chosen = set(post.getlist(key))
            low, high = post.get(f"{key}.min", ""), post.get(f"{key}.max", "")
            on = post.get(key) == "on" or post.get(f"{key}.any") == "on"
        else:
            chosen = set(rule.get("values") or [])
            low, high = rule.get("min", ""), rule.get("max", "")
            on = bool(rule) and not chosen
        fields.append(
            {
                "key": key,
                "type": fact.type,
                "label": fact.label.en if english else fact.label.zh,
                "choices": [(code, text.en if english else text.zh) for code, text in fact_choices(fact)],
                "chosen": chosen,
                "min": low,
                "max": high,
                "on": on,
                "set": bool(chosen) or on or low not in ("", None) or high not in ("", None),
            }
        )
    return fields


def _posted_event(post) -> dict:
    """The event form's fields as the actions take them (datetime-local inputs are local time)."""
    data: dict = {"gate": _posted_gate(post)}
    if post.get("clear_condition") == "on":
        data["eligibility"] = ""
    for key in ("kind", "title", "title_en", "description", "venue"):
        if key in post:
            data[key] = post.get(key, "").strip()
    for key in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        value = (post.get(key) or "").strip()
        if value:
            try:
                data[key] = dt.datetime.fromisoformat(value)
            except ValueError:
                raise InvalidInput(
                    "时间格式不正确", "Times are written YYYY-MM-DD HH:MM", field=key
                ) from None
        elif key.startswith("registration"):
            data[key] = None
    data["capacity"] = read_int(
        post.get("capacity"), "capacity", low=1, high=100_000, label=("名额", "capacity"), optional=True
    )
    if data["capacity"] is None:
        del data["capacity"]
    data["waitlist_enabled"] = post.get("waitlist_enabled") == "on"
    return data


@login_required
def event_edit(request, event_id: int | None = None):
    """Create (no id) or edit an event."""
    if not has_role(request.user, "event_manager"):
        raise PermissionDenied
    event = _staff_event(request, event_id) if event_id else None
    ctx: dict = {"event": event, "kinds": KINDS, "staff_tab": "events", "form": request.POST or None}
    ctx["gate_fields"] = _gate_fields(event, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            data = _posted_event(request.POST)
            if event is None:
                event = actions.check_create_event(request.user, data)
                messages.success(request, _("Event created."))
            else:
                actions.check_update_event(request.user, event.pk, data)
                messages.success(request, _("Event saved."))
            return redirect("web:checkin", event.pk)
        except DomainError as exc:
            ctx.update(error_context(exc))
            return render(request, "events/edit.html", ctx, status=exc.status)
    return render(request, "events/edit.html", ctx)


@require_POST
@login_required
def event_cancel(request, event_id: int):
    """Cancel the event; everyone registered is told (by the action)."""
    event = _staff_event(request, event_id)
    try:
        actions.check_cancel_event(request.user, event.pk)
        messages.success(request, _("Event cancelled; everyone registered has been told."))
    except DomainError as exc:
        messages.error(request, exc.localized())
    return redirect("web:checkin", event.pk)
