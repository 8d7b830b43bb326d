"""Message templates in Chinese and English, by id. Actions pick a template and give the
context; both languages are rendered and stored, each channel sends the reader's language.

>>> render("events.registration_confirmed", event="模速路演日", when="12月5日 14:00", venue="路演厅", code="X")[0]
'报名成功:模速路演日'
"""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "events.registration_confirmed": {
        "zh": ("报名成功:{event}", "您已成功报名“{event}”,时间:{when},地点:{venue}。签到码:{code}。"),
        "en": (
            "You're registered: {event_en}",
            "You are registered for {event_en} on {when_en} at {venue}. Check-in code: {code}.",
        ),
    },
    "events.registration_waitlisted": {
        "zh": (
            "已进入候补:{event}",
            "“{event}”名额已满,您在候补名单第{position}位;有人取消时将自动为您补位并通知您。",
        ),
        "en": (
            "On the waiting list: {event_en}",
            "{event_en} is full; you are number {position} on the waiting "
            "list and will be moved up automatically when a seat frees.",
        ),
    },
    "events.waitlist_promoted": {
        "zh": (
            "候补成功:{event}",
            "有人取消报名,您已从候补转为正式报名“{event}”,时间:{when},地点:{venue}。签到码:{code}。",
        ),
        "en": (
            "A seat for you: {event_en}",
            "A seat freed up: you are now registered for {event_en} on {when_en} at "
            "{venue}. Check-in code: {code}.",
        ),
    },
    "events.registration_cancelled": {
        "zh": ("已取消报名:{event}", "您已取消“{event}”的报名。"),
        "en": ("Registration cancelled: {event_en}", "Your registration for {event_en} is cancelled."),
    },
    "events.reminder": {
        "zh": ("活动提醒:{event}", "“{event}”将于{when}在{venue}开始,请准时参加。签到码:{code}。"),
        "en": ("Reminder: {event_en}", "{event_en} starts {when_en} at {venue}. Check-in code: {code}."),
    },
    "events.event_cancelled": {
        "zh": ("活动取消:{event}", "很抱歉,“{event}”已取消。"),
        "en": ("Event cancelled: {event_en}", "We are sorry: {event_en} has been cancelled."),
    },
}


def render(template: str, **context: Any) -> tuple[str, str, str, str]:
    """(title, body, title_en, body_en) for a template; missing context is an error."""
    spec = TEMPLATES[template]
    context.setdefault("event_en", context.get("event", ""))
    context.setdefault("when_en", context.get("when", ""))
    zh_title, zh_body = spec["zh"]
    en_title, en_body = spec["en"]
    return (
        zh_title.format(**context),
        zh_body.format(**context),
        en_title.format(**context),
        en_body.format(**context),
    )
