"""Event actions: one-tap registration, waitlist, cancellation, check-in, reminders, and
staff editing.

Seats are scarce: every action that changes who holds one locks the event row first
(``select_for_update`` on PostgreSQL; on SQLite ``BEGIN IMMEDIATE`` already serialises
writers), then counts and writes inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from beiyang.accounts.roles import has_role
from beiyang.companies.models import Company
from beiyang.companies.queries import company_ids_of
from beiyang.core.audit import audit_entry, log_action, snapshot
from beiyang.core.errors import AccessDenied, Conflict, DomainError, InvalidInput, NotFound
from beiyang.core.groupcommit import GroupCommit
from beiyang.core.schemas import checked_moment
from beiyang.core.words import moment_words
from beiyang.events.eligibility import (
    check_condition,
    check_gate,
    evaluate_gate,
    evaluate_rules,
    gate_condition,
    gate_facts,
    gate_words,
    rule_words,
)
from beiyang.events.models import KINDS, CalendarFeed, Event, Registration
from beiyang.notifications.actions import do_send_messages, new_message
from beiyang.notifications.models import Message
from beiyang.policies.engine.expr import UNKNOWN

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed
assert len(CODE_ALPHABET) == 32  # _new_codes maps a byte to it with % 32
CHECKIN_SALT = "beiyang.events.checkin"
EVENT_FIELDS = [
    "kind",
    "title",
    "title_en",
    "description",
    "description_en",
    "venue",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "waitlist_enabled",
    "eligibility",
    "eligibility_label",
    "gate",
    "per_company_limit",
    "status",
]
WEEKDAYS = "一二三四五六日"


def when_text(event: Event) -> str:
    start = timezone.localtime(event.starts_at)
    return f"{start.month}月{start.day}日(周{WEEKDAYS[start.weekday()]}) {start:%H:%M}"


def when_text_en(event: Event) -> str:
    return timezone.localtime(event.starts_at).strftime("%a %d %b %H:%M")


def checkin_token(registration: Registration) -> str:
    """What the QR code carries: signed, so a forged one is refused without a lookup."""
    return signing.dumps(
        {"r": registration.pk, "c": registration.checkin_code}, salt=CHECKIN_SALT, compress=True
    )


def _new_codes(count: int) -> list[str]:
    """``count`` check-in codes of 8 characters from one read of the system's randomness (a
    read per character was 8 system calls a registration, each letting go of the GIL while a
    batch holds the write lock). 256 is a multiple of the alphabet's 32, so ``byte % 32`` is
    uniform."""
    raw = secrets.token_bytes(8 * count)
    return ["".join(CODE_ALPHABET[b % 32] for b in raw[i : i + 8]) for i in range(0, 8 * count, 8)]


def _event_context(event: Event) -> dict[str, Any]:
    return {
        "event": event.title,
        "event_en": event.title_en or event.title,
        "when": when_text(event),
        "when_en": when_text_en(event),
        "venue": event.venue,
    }


def _message(
    registration: Registration, template: str, *, shared: dict[str, Any] | None = None, **extra: Any
) -> Message:
    """``shared``: the event's part of the context, worked out once for a batch of messages."""
    context = shared if shared is not None else _event_context(registration.event)
    return new_message(
        registration.user_id,
        kind="event",
        template=template,
        context={**context, "code": registration.checkin_code, **extra},
        link=f"/events/{registration.event_id}/",
        data={"event_id": registration.event_id, "registration_id": registration.pk},
    )


def _tell(registration: Registration, template: str, **extra: Any) -> None:
    do_send_messages([_message(registration, template, **extra)])


def _lock_event(event_id: int) -> Event:
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None or event.status == Event.DRAFT:
        raise NotFound("活动不存在", "No such event", field="event_id", code="event_not_found")
    return event


def _check_open(event: Event, now: dt.datetime) -> None:
    if event.status == Event.CANCELLED:
        raise Conflict("活动已取消", "The event was cancelled", field="event_id", code="event_cancelled")
    if now >= event.starts_at:
        raise Conflict(
            "活动已开始或已结束,不能再报名",
            "The event has started or ended",
            field="event_id",
            code="event_started",
        )
    if event.registration_opens_at and now < event.registration_opens_at:
        opens = timezone.localtime(event.registration_opens_at)
        raise Conflict(
            f"报名将于{moment_words(opens, en=False)}开始",
            f"Registration opens {moment_words(opens, en=True)}",
            field="event_id",
            code="registration_not_open",
        )
    if event.registration_closes_at and now > event.registration_closes_at:
        raise Conflict("报名已截止", "Registration has closed", field="event_id", code="registration_closed")


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != Registration.WAITLISTED:
        return None
    if registration.known_waitlist_position is not None:
        return registration.known_waitlist_position
    return Registration.objects.filter(
        event_id=registration.event_id, status=Registration.WAITLISTED, pk__lte=registration.pk
    ).count()


@dataclass(frozen=True)
class _Tap:
    """One founder's tap on 报名, waiting for its batch."""

    user: Any
    event_id: int
    key: str


def do_register(user, event_id: int, *, idempotency_key: str = "") -> tuple[Registration, bool]:
    """Register the signed-in founder: confirmed while seats remain, else waitlisted.

    Returns (registration, created). Idempotent: a second tap, or a retry with the same
    ``Idempotency-Key``, returns the registration the first one made. Taps on one event that
    arrive together are settled in one transaction, in arrival order (see ``_register_batch``).
    """
    if len(idempotency_key) > 80:
        raise InvalidInput("Idempotency-Key 过长", "Idempotency-Key is too long", field="Idempotency-Key")
    return _registrations.submit(event_id, _Tap(user, event_id, idempotency_key))


def _register_batch(taps: Sequence[_Tap]) -> list[Any]:
    try:
        return _settle_taps(taps)
    except IntegrityError:
        if len(taps) > 1:
            raise  # a batch is settled again one by one
        # A double tap that another server process settled first: hand back what it made.
        existing = Registration.objects.filter(
            event_id=taps[0].event_id, user=taps[0].user, status__in=Registration.ACTIVE
        ).first()
        if existing is None:
            raise
        return [(existing, False)]


# A founder's second tap in the same batch runs after it, and gets the first one's registration.
_registrations = GroupCommit(_register_batch, identity=lambda tap: tap.user.pk)


def _settle_taps(taps: Sequence[_Tap]) -> list[Any]:
    """Settle taps on one event in one transaction: the event locked once, the seats counted
    once and handed out in arrival order, then the registrations, audit entries and messages
    written in one statement each. Each tap gets ``(registration, created)`` or the error it
    would have had alone. A founder appears at most once (``_registrations``' identity)."""
    now = timezone.now()
    outcomes: list[Any] = [None] * len(taps)
    with transaction.atomic(durable=True):
        event = _lock_event(taps[0].event_id)
        existing = _existing(event, taps)
        company_ids = company_ids_of({tap.user.pk for tap in taps})
        companies = Company.objects.in_bulk(set(company_ids.values())) if event.eligibility else {}
        seats = _Seats(event)
        fresh: list[tuple[int, Registration]] = []
        for i, tap in enumerate(taps):
            if i in existing:
                outcomes[i] = (existing[i], False)
                continue
            try:
                _check_open(event, now)
                company_id = company_ids.get(tap.user.pk)
                if event.eligibility:
                    _check_gate(event, companies.get(company_id))
                fresh.append((i, seats.take(tap, company_id, now)))
            except DomainError as exc:
                outcomes[i] = exc
        _write_registrations(event, [registration for _, registration in fresh])
        for i, registration in fresh:
            outcomes[i] = (registration, True)
    return outcomes


def _existing(event: Event, taps: Sequence[_Tap]) -> dict[int, Registration]:
    """The registrations repeated taps or retried requests must get back (one query):
    tap index → the one made under its key, else the founder's live one."""
    keys = {tap.key for tap in taps if tap.key}
    match = Q(status__in=Registration.ACTIVE)
    if keys:
        match |= Q(idempotency_key__in=keys)
    found: dict[int, list[Registration]] = {}
    for registration in Registration.objects.filter(
        match, event=event, user_id__in={t.user.pk for t in taps}
    ):
        found.setdefault(registration.user_id, []).append(registration)
    answers = {}
    for i, tap in enumerate(taps):
        mine = found.get(tap.user.pk, [])
        keyed = [r for r in mine if tap.key and r.idempotency_key == tap.key]
        live = [r for r in mine if r.status in Registration.ACTIVE]
        if keyed or live:
            answers[i] = (keyed or live)[0]
    return answers


def _check_gate(event: Event, company) -> None:
    if event.gate:
        _check_rules(event, company)
        return
    verdict, missing = evaluate_gate(event.eligibility, company)
    label = event.eligibility_label or event.eligibility
    if verdict is UNKNOWN:
        raise AccessDenied(
            f"报名条件为“{label}”,请先完善:{'、'.join(missing) or '企业信息'}",
            f"This event is for: {label}. Complete your profile first",
            field="company",
            code="profile_incomplete",
        )
    if verdict is not True:
        raise AccessDenied(
            f"本活动仅限:{label}",
            f"This event is only for: {label}",
            field="company",
            code="not_eligible",
        )


def _check_rules(event: Event, company) -> None:
    """Refuse with the reason: which of the event's rules the company does not meet, or which
    facts it has not given yet."""
    failed, missing = evaluate_rules(event.gate, company)
    facts = {f.id: f for f in gate_facts()}
    if failed:
        zh = ";".join(rule_words(r, facts[r["fact"]], False) for r in failed)
        en = "; ".join(rule_words(r, facts[r["fact"]], True) for r in failed)
        raise AccessDenied(
            f"未能报名:本活动要求{zh}。您的企业信息不符合这一条件,如信息有误请先更新企业资料。",
            f"Not registered: this event requires {en}. Your company's profile does not meet it; "
            "update it first if it is out of date.",
            field="company",
            code="not_eligible",
        )
    if missing:
        raise AccessDenied(
            f"本活动仅限:{gate_words(event.gate)}。请先在企业资料中补充:{'、'.join(missing)}",
            f"This event is for: {gate_words(event.gate, True)}. Complete your company profile first",
            field="company",
            code="profile_incomplete",
        )


class _Seats:
    """Seats, waiting list and per-company places of one event, each counted once and handed
    out in order. The caller holds the event's lock (except in the race demonstration)."""

    def __init__(self, event: Event) -> None:
        self.event = event
        counts = dict(
            Registration.objects.filter(event=event, status__in=Registration.ACTIVE)
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
        )
        self.confirmed = counts.get(Registration.CONFIRMED, 0)
        self.waitlisted = counts.get(Registration.WAITLISTED, 0)
        self._per_company: dict[int, int] | None = None

    def take(self, tap: _Tap, company_id: int | None, now: dt.datetime) -> Registration:
        """An unsaved registration for the tap, or the error that refuses it."""
        event = self.event
        if event.per_company_limit and company_id is not None:
            if self._per_company is None:
                self._per_company = dict(
                    Registration.objects.filter(
                        event=event, status__in=Registration.ACTIVE, company__isnull=False
                    )
                    .values("company")
                    .annotate(n=Count("id"))
                    .values_list("company", "n")
                )
            if self._per_company.get(company_id, 0) >= event.per_company_limit:
                raise Conflict(
                    f"每家企业最多报名{event.per_company_limit}人,贵公司名额已满",
                    f"At most {event.per_company_limit} people per company may register",
                    field="company",
                    code="company_limit_reached",
                )
        if self.confirmed < event.capacity:
            status = Registration.CONFIRMED
            self.confirmed += 1
        elif event.waitlist_enabled:
            status = Registration.WAITLISTED
        else:
            raise Conflict("名额已满", "The event is full", field="event_id", code="event_full")
        if company_id is not None and self._per_company is not None:
            self._per_company[company_id] = self._per_company.get(company_id, 0) + 1
        registration = Registration(
            event=event,
            user=tap.user,
            company_id=company_id,
            status=status,
            idempotency_key=tap.key,
            confirmed_at=now if status == Registration.CONFIRMED else None,
        )
        if status == Registration.WAITLISTED:
            # New rows come after every waiting one (the event is locked).
            self.waitlisted += 1
            registration.known_waitlist_position = self.waitlisted
        return registration


def _write_registrations(event: Event, registrations: list[Registration]) -> None:
    if not registrations:
        return
    for _ in range(5):
        for registration, code in zip(registrations, _new_codes(len(registrations)), strict=True):
            registration.checkin_code = code
        # 32**8 codes: a clash is rare enough to retry on the unique index rather than look first.
        try:
            with transaction.atomic():
                Registration.objects.bulk_create(registrations)
            break
        except IntegrityError:
            if Registration.objects.filter(
                event=event, user_id__in={r.user_id for r in registrations}, status__in=Registration.ACTIVE
            ).exists():
                raise
    else:
        raise Conflict("签到码生成失败,请重试", "Could not allot a check-in code; try again", code="retry")
    shared = _event_context(event)
    do_send_messages(
        [
            _message(r, "events.registration_confirmed", shared=shared)
            if r.status == Registration.CONFIRMED
            else _message(
                r, "events.registration_waitlisted", shared=shared, position=r.known_waitlist_position
            )
            for r in registrations
        ],
        audit=[
            audit_entry(f"events.registration.{r.status}", actor=r.user, obj=r, event_id=event.pk)
            for r in registrations
        ],
    )


def _promote(event: Event, now: dt.datetime, actor=None) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served. Caller holds the lock."""
    if now >= event.starts_at or event.status != Event.PUBLISHED:
        return []
    free = event.capacity - Registration.objects.filter(event=event, status=Registration.CONFIRMED).count()
    promoted = []
    if free > 0:
        for registration in Registration.objects.filter(event=event, status=Registration.WAITLISTED).order_by(
            "id"
        )[:free]:
            registration.status, registration.confirmed_at = Registration.CONFIRMED, now
            registration.save(update_fields=["status", "confirmed_at"])
            log_action("events.registration.promoted", actor=actor, obj=registration, event_id=event.pk)
            _tell(registration, "events.waitlist_promoted")
            promoted.append(registration)
    return promoted


@transaction.atomic(durable=True)
def do_cancel_registration(user, event_id: int) -> tuple[Registration, list[Registration]]:
    """Cancel the founder's live registration (or leave the waiting list); a freed seat goes
    to the first on the waiting list at once."""
    now = timezone.now()
    event = _lock_event(event_id)
    registration = (
        Registration.objects.select_for_update()
        .filter(event=event, user=user, status__in=Registration.ACTIVE)
        .first()
    )
    if registration is None:
        raise NotFound(
            "您没有这个活动的有效报名",
            "You have no live registration for this event",
            field="event_id",
            code="no_registration",
        )
    if registration.checked_in_at:
        raise Conflict(
            "已签到的报名不能取消", "A checked-in registration cannot be cancelled", code="checked_in"
        )
    was = registration.status
    registration.status, registration.cancelled_at = Registration.CANCELLED, now
    registration.save(update_fields=["status", "cancelled_at"])
    log_action("events.registration.cancelled", actor=user, obj=registration, was=was)
    _tell(registration, "events.registration_cancelled")
    promoted = _promote(event, now) if was == Registration.CONFIRMED else []
    return registration, promoted


def checkin_window(event: Event) -> tuple[dt.datetime, dt.datetime]:
    """Check-in opens some hours before the start and closes at the end."""
    return event.starts_at - dt.timedelta(hours=settings.EVENTS_CHECKIN_OPENS_HOURS), event.ends_at


def _registration_for_code(code: str) -> Registration:
    code = (code or "").strip()
    if not code or len(code) > 400:
        raise InvalidInput("请输入签到码", "Enter a check-in code", field="code", code="invalid_code")
    if ":" in code:
        try:
            data = signing.loads(code, salt=CHECKIN_SALT)
        except signing.BadSignature:
            raise InvalidInput(
                "签到码无效", "This check-in code is not valid", field="code", code="invalid_code"
            ) from None
        registration = (
            Registration.objects.select_for_update()
            .filter(pk=data.get("r"), checkin_code=data.get("c"))
            .first()
        )
    else:
        normalised = code.upper().replace("-", "").replace(" ", "")
        registration = Registration.objects.select_for_update().filter(checkin_code=normalised).first()
    if registration is None:
        raise InvalidInput("签到码无效", "This check-in code is not valid", field="code", code="invalid_code")
    return registration


@transaction.atomic(durable=True)
def do_check_in(staff, code: str, *, event_id: int | None = None) -> Registration:
    """Check a person in by the QR token or the typed code. Event managers only; once per code."""
    if not has_role(staff, "event_manager"):
        raise AccessDenied("仅活动管理员可以签到", "Only event managers check people in")
    registration = _registration_for_code(code)
    event = registration.event
    if event_id is not None and event.pk != event_id:
        raise Conflict(
            "该签到码不属于本活动", "This code is for another event", field="code", code="wrong_event"
        )
    if registration.status != Registration.CONFIRMED:
        raise Conflict(
            "该报名未确认(候补或已取消),不能签到",
            "Only confirmed registrations check in",
            field="code",
            code="not_confirmed",
        )
    if registration.checked_in_at:
        at = timezone.localtime(registration.checked_in_at)
        raise Conflict(
            f"该签到码已于{at:%H:%M}签到",
            f"Already checked in at {at:%H:%M}",
            field="code",
            code="already_checked_in",
        )
    now = timezone.now()
    opens, closes = checkin_window(event)
    if now < opens:
        at = timezone.localtime(opens)
        raise Conflict(
            f"签到将于{moment_words(at, en=False)}开放",
            f"Check-in opens at {moment_words(at, en=True)}",
            field="code",
            code="checkin_closed",
        )
    if now > closes:
        raise Conflict(
            "活动已结束,签到已关闭",
            "The event is over; check-in is closed",
            field="code",
            code="checkin_closed",
        )
    registration.checked_in_at, registration.checked_in_by = now, staff
    registration.save(update_fields=["checked_in_at", "checked_in_by"])
    log_action("events.registration.checked_in", actor=staff, obj=registration, event_id=event.pk)
    return registration


def _clean_event(data: dict[str, Any], current: Event | None = None) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k in EVENT_FIELDS}
    if "kind" in out and out["kind"] not in KINDS:
        raise InvalidInput(
            f"活动类型应为:{'、'.join(KINDS)}",
            f"kind must be one of {', '.join(KINDS)}",
            field="kind",
            code="invalid_kind",
        )
    for field_name in ("title", "venue"):
        if field_name in out and not (out[field_name] or "").strip():
            raise InvalidInput("不能为空", f"{field_name} is required", field=field_name)
    for key in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        if out.get(key) is not None:
            out[key] = checked_moment(out[key], key)
    starts = out.get("starts_at", current.starts_at if current else None)
    ends = out.get("ends_at", current.ends_at if current else None)
    if starts and ends and ends < starts:
        raise InvalidInput(
            "结束时间不能早于开始时间", "ends_at is before starts_at", field="ends_at", code="invalid_times"
        )
    opens = out.get("registration_opens_at", current.registration_opens_at if current else None)
    closes = out.get("registration_closes_at", current.registration_closes_at if current else None)
    if opens and closes and closes <= opens:
        raise InvalidInput(
            "报名截止时间应晚于开始时间",
            "registration_closes_at must be after registration_opens_at",
            field="registration_closes_at",
            code="invalid_times",
        )
    if "capacity" in out and not 1 <= out["capacity"] <= 100_000:
        raise InvalidInput("名额应在1到100000之间", "capacity must be 1-100,000", field="capacity")
    _clean_gate(out, current)
    if "status" in out and out["status"] not in (Event.DRAFT, Event.PUBLISHED):
        raise InvalidInput(
            "状态只能是 draft 或 published(取消请用取消接口)",
            "status is draft or published (use the cancel endpoint)",
            field="status",
        )
    return out


def _clean_gate(out: dict[str, Any], current: Event | None) -> None:
    """A gate chosen from the pack's facts, or (as before gates) a condition written by hand;
    never both. The chosen gate writes the condition registration enforces and its words."""
    if "eligibility" in out:
        out["eligibility"] = check_condition(out["eligibility"] or "")
    if out.get("gate") is None:
        out.pop("gate", None)
        if "eligibility" in out:
            out["gate"] = []  # a written condition replaces a chosen gate
        return
    gate = check_gate(out["gate"])
    if gate and out.get("eligibility"):
        raise InvalidInput(
            "请只用一种方式设置报名条件:选择条件,或填写条件表达式",
            "Set the gate or the written condition, not both",
            field="gate",
            code="invalid_gate",
        )
    out["gate"] = gate
    if gate:
        out["eligibility"], out["eligibility_label"] = gate_condition(gate), gate_words(gate)
    elif current is not None and current.gate and "eligibility" not in out:
        out["eligibility"], out["eligibility_label"] = "", ""  # the chosen gate is lifted


def _require_manager(staff) -> None:
    if not has_role(staff, "event_manager"):
        raise AccessDenied("仅活动管理员可以管理活动", "Only event managers manage events")


@transaction.atomic(durable=True)
def check_create_event(staff, data: dict[str, Any]) -> Event:
    _require_manager(staff)
    fields = _clean_event(data)
    missing = [f for f in ("kind", "title", "venue", "starts_at", "ends_at", "capacity") if f not in fields]
    if missing:
        raise InvalidInput(
            f"缺少:{'、'.join(missing)}", f"Missing: {', '.join(missing)}", field=missing[0], code="required"
        )
    event = Event.objects.create(created_by=staff, **fields)
    log_action("events.event.created", actor=staff, obj=event, after=snapshot(event, EVENT_FIELDS))
    return event


@transaction.atomic(durable=True)
def check_update_event(staff, event_id: int, data: dict[str, Any]) -> Event:
    _require_manager(staff)
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise NotFound("活动不存在", "No such event", field="event_id")
    if event.status == Event.CANCELLED:
        raise Conflict("已取消的活动不能修改", "A cancelled event cannot be edited", code="event_cancelled")
    fields = _clean_event(data, event)
    confirmed = Registration.objects.filter(event=event, status=Registration.CONFIRMED).count()
    if "capacity" in fields and fields["capacity"] < confirmed:
        raise Conflict(
            f"已有{confirmed}人确认报名,名额不能少于此数",
            f"{confirmed} people are confirmed; capacity cannot go below that",
            field="capacity",
            code="capacity_below_confirmed",
        )
    before = snapshot(event, EVENT_FIELDS)
    for key, value in fields.items():
        setattr(event, key, value)
    event.save()
    log_action(
        "events.event.updated", actor=staff, obj=event, before=before, after=snapshot(event, EVENT_FIELDS)
    )
    _promote(event, timezone.now(), actor=staff)
    return event


@transaction.atomic(durable=True)
def check_cancel_event(staff, event_id: int) -> Event:
    _require_manager(staff)
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise NotFound("活动不存在", "No such event", field="event_id")
    if event.status == Event.CANCELLED:
        raise Conflict("活动已取消", "The event is already cancelled", code="event_cancelled")
    event.status = Event.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    log_action("events.event.cancelled", actor=staff, obj=event)
    for registration in Registration.objects.filter(event=event, status__in=Registration.ACTIVE):
        _tell(registration, "events.event_cancelled")
    return event


def do_send_due_reminders(now: dt.datetime | None = None) -> int:
    """Remind confirmed people the day before and an hour before; each reminder once."""
    now = now or timezone.now()
    sent = 0
    windows = [
        ("reminded_day_at", dt.timedelta(hours=24), dt.timedelta(hours=2)),
        ("reminded_hour_at", dt.timedelta(hours=1), dt.timedelta(0)),
    ]
    for field_name, ahead, not_closer_than in windows:
        due = Registration.objects.filter(
            status=Registration.CONFIRMED,
            event__status=Event.PUBLISHED,
            event__starts_at__gt=now + not_closer_than,
            event__starts_at__lte=now + ahead,
            **{f"{field_name}__isnull": True},
        ).values_list("id", flat=True)
        for registration_id in list(due):
            with transaction.atomic(durable=True):
                registration = (
                    Registration.objects.select_for_update()
                    .select_related("event")
                    .filter(pk=registration_id, **{f"{field_name}__isnull": True})
                    .first()
                )
                if registration is None:
                    continue
                setattr(registration, field_name, now)
                registration.save(update_fields=[field_name])
                log_action(
                    "events.registration.reminded",
                    obj=registration,
                    actor_label="reminders",
                    which=field_name,
                )
                _tell(registration, "events.reminder")
                sent += 1
    return sent


@transaction.atomic(durable=True)
def do_rotate_calendar_feed(user) -> None:
    """A new calendar link for the founder; every older one stops working (and a turned-off
    feed is on again)."""
    feed, _ = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    feed.generation += 1
    feed.enabled = True
    feed.save()
    log_action("events.calendar_feed.rotated", actor=user, obj=feed, generation=feed.generation)


@transaction.atomic(durable=True)
def do_turn_off_calendar_feed(user) -> None:
    """Stop the founder's calendar link, and every older one."""
    feed, _ = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    if feed.enabled:
        feed.enabled = False
        feed.save()
        log_action("events.calendar_feed.turned_off", actor=user, obj=feed)
