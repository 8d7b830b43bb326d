"""Events: the listing, and registering or cancelling the one the founder means."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from beiyang.agent.dates import TOWN_ZONE, event_kind, town_today, window
from beiyang.agent.handlers.common import Reply, _login_first


def _events(text: str):
    from beiyang.events.queries import upcoming_events

    today = town_today()
    span = window(text, today)
    kind = event_kind(text)
    events = list(upcoming_events(kind=kind))
    if span:
        events = [
            e for e in events if span[0] <= timezone.localtime(e.starts_at, TOWN_ZONE).date() < span[1]
        ] or (
            []
            if kind is None
            else [e for e in events if timezone.localtime(e.starts_at, TOWN_ZONE).date() >= span[0]][:1]
        )
    return events


# Words every event request shares; they name no particular event.
_GENERIC = re.compile(
    r"(报名|参加|活动|取消|帮我|一下|我要|我想|本周|下周|这周|周[一二三四五六日天]|星期.|明天|今天|的|了|吧|呗|下)"
)


def _title_overlap(text: str, event) -> int:
    from beiyang.matching.text import bigrams

    asked = bigrams(_GENERIC.sub(" ", text.lower()))
    return len(asked & (bigrams(event.title) | bigrams(event.title_en or "")))


@dataclass
class EventAsk:
    """What a message says about the event meant: its kind, its dates and words of its title."""

    kind: str | None
    span: tuple | None
    text: str

    @classmethod
    def of(cls, text: str) -> EventAsk:
        return cls(event_kind(text), window(text, town_today()), text)

    def fits(self, event) -> bool:
        day = timezone.localtime(event.starts_at, TOWN_ZONE).date()
        return (self.kind is None or event.kind == self.kind) and (
            self.span is None or self.span[0] <= day < self.span[1]
        )

    def rank(self, events: list) -> list:
        """The events that fit, best title match first, then soonest."""
        fitting = [e for e in events if self.fits(e)]
        return sorted(fitting, key=lambda e: (-_title_overlap(self.text, e), e.starts_at, e.pk))

    def named(self, events: list) -> bool:
        return bool(self.kind or self.span or any(_title_overlap(self.text, e) >= 2 for e in events))

    def nearest(self, events: list):
        """The closest event to a request nothing fits: most title words, same kind, nearest date."""
        if not events:
            return None
        start = self.span[0] if self.span else town_today()
        return min(
            events,
            key=lambda e: (
                -_title_overlap(self.text, e),
                e.kind != self.kind,
                abs((timezone.localtime(e.starts_at, TOWN_ZONE).date() - start).days),
                e.pk,
            ),
        )

    def describe(self) -> tuple[str, str]:
        from beiyang.events.models import KINDS

        zh = en = ""
        if self.span:
            first, last = self.span[0], self.span[1] - dt.timedelta(days=1)
            zh = f"{first.month}月{first.day}日" + ("" if first == last else f"至{last.month}月{last.day}日")
            en = f"{first:%d %b}" + ("" if first == last else f"–{last:%d %b}")
        if self.kind:
            zh += ("的" if zh else "") + KINDS[self.kind][0]
            en = f"{KINDS[self.kind][1].lower()}" + (f" on {en}" if en else "")
        return zh or "您说的", en or "that"


def _event_line(e) -> str:
    from beiyang.events.actions import when_text

    count = getattr(e, "confirmed_count", None)  # annotated on listings, not on held events
    return f"{when_text(e)} {e.title} · {e.venue}" + (
        f"(已报名{count}/{e.capacity})" if count is not None else ""
    )


def _event_line_en(e) -> str:
    from beiyang.events.actions import when_text_en

    count = getattr(e, "confirmed_count", None)
    return f"{when_text_en(e)} {e.title_en or e.title} · {e.venue}" + (
        f" ({count}/{e.capacity} registered)" if count is not None else ""
    )


def on_list_events(user, text, slots, state) -> Reply:
    events = _events(text)[:5]
    if not events:
        return Reply("这段时间暂时没有活动安排。可以问我“最近有什么活动”。", "No events in that period.")
    return Reply(
        f"近期活动({len(events)}场):\n"
        + "\n".join(f"· {_event_line(e)}" for e in events)
        + "\n回复“帮我报名…”即可报名。",
        f"{len(events)} upcoming events:\n"
        + "\n".join(f"· {_event_line_en(e)}" for e in events)
        + "\nSay “register me for …” to sign up.",
        suggestions=[f"帮我报名{events[0].title}"],
    )


def on_register_event(user, text, slots, state) -> Reply:
    from beiyang.events.actions import when_text, when_text_en
    from beiyang.events.queries import registration_open, upcoming_events

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    open_events = [e for e in upcoming_events() if registration_open(e)]
    ask = EventAsk.of(text)
    ranked = ask.rank(open_events)
    if not ask.named(open_events) and len(ranked) != 1:
        listing = on_list_events(user, "", slots, state)
        return Reply(
            "请问您想报名哪一场?\n" + listing.zh,
            "Which event would you like?\n" + listing.en,
            suggestions=[f"帮我报名{e.title}" for e in ranked[:3]],
        )
    if not ranked or (not ask.kind and not ask.span and _title_overlap(text, ranked[0]) < 2):
        zh, en = ask.describe()
        near = ask.nearest(open_events)
        if near is None:
            return Reply(
                f"没有找到{zh}可以报名的活动,目前也没有开放报名的活动。",
                f"I found no open {en} event, and no event is open for registration now.",
            )
        return Reply(
            f"没有找到{zh}可以报名的活动。最接近的是:{when_text(near)} {near.title}。需要的话回复“帮我报名{near.title}”。",
            f"I found no open {en} event. The nearest is {when_text_en(near)} {near.title_en or near.title}.",
            suggestions=[f"帮我报名{near.title}"],
        )
    event = ranked[0]
    label = f"{when_text(event)} {event.title}"
    return Reply(
        f"确认为您报名 {label}(地点:{event.venue})吗?回复“确认”即可。",
        f"Shall I register you for {when_text_en(event)} {event.title_en or event.title} at {event.venue}? "
        "Reply “confirm”.",
        proposed={
            "action": "register",
            "event_id": event.pk,
            "label": label,
            "label_en": f"{when_text_en(event)} {event.title_en or event.title}",
        },
    )


def on_cancel_registration(user, text, slots, state) -> Reply:
    from beiyang.events.queries import my_registrations

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    mine = list(my_registrations(user, active_only=True))
    if not mine:
        return Reply("您目前没有有效的活动报名,无需取消。", "You have no live registrations to cancel.")
    held = [r.event for r in mine]
    ask = EventAsk.of(text)
    ranked = ask.rank(held)
    if ask.named(held) and (
        not ranked or (not ask.kind and not ask.span and _title_overlap(text, ranked[0]) < 2)
    ):
        zh, en = ask.describe()
        return Reply(
            f"您没有{zh}的报名,所以没有可取消的。您目前报名的活动:\n"
            + "\n".join(f"· {_event_line(e)}" for e in held),
            f"You hold no registration for {en}, so there is nothing to cancel. Your registrations:\n"
            + "\n".join(f"· {_event_line_en(e)}" for e in held),
            suggestions=[f"取消{e.title}的报名" for e in held[:3]],
        )
    if not ask.named(held) and len(held) > 1:
        return Reply(
            f"您报名了{len(held)}场活动,要取消哪一场?\n" + "\n".join(f"· {_event_line(e)}" for e in held),
            f"You hold {len(held)} registrations; which one should I cancel?\n"
            + "\n".join(f"· {_event_line_en(e)}" for e in held),
            suggestions=[f"取消{e.title}的报名" for e in held[:3]],
        )
    event = ranked[0]
    return Reply(
        f"确认取消“{event.title}”的报名吗?回复“确认”即可。",
        f"Cancel your registration for “{event.title_en or event.title}”? Reply “confirm”.",
        proposed={
            "action": "cancel",
            "event_id": event.pk,
            "label": event.title,
            "label_en": event.title_en or event.title,
        },
    )


def confirmed_register(user, pending: dict[str, Any]) -> Reply:
    from beiyang.events.actions import do_register, waitlist_position

    registration, _created = do_register(user, pending["event_id"])
    if registration.status == "confirmed":
        return Reply(
            f"已为您报名 {pending['label']},签到码 {registration.checkin_code}。确认消息已发送到您的消息中心。",
            f"You're registered for {pending.get('label_en') or pending['label']}; your check-in code is "
            f"{registration.checkin_code}. A confirmation message is in your inbox.",
            done={"action": "register", "registration_id": registration.pk, "status": "confirmed"},
        )
    position = waitlist_position(registration)
    return Reply(
        f"名额已满,已为您加入候补,当前第{position}位,有名额时会自动补位并通知您。",
        f"The event is full; you are number {position} on the waiting list and will be told when a seat frees up.",
        done={"action": "register", "registration_id": registration.pk, "status": "waitlisted"},
    )


def confirmed_cancel(user, pending: dict[str, Any]) -> Reply:
    from beiyang.events.actions import do_cancel_registration

    registration, _promoted = do_cancel_registration(user, pending["event_id"])
    return Reply(
        f"已取消“{pending['label']}”的报名。",
        f"Your registration for “{pending.get('label_en') or pending['label']}” is cancelled.",
        done={"action": "cancel", "registration_id": registration.pk},
    )
