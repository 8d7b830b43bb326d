from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema

from beiyang.core.schemas import LocalTime


class MessageOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    title_en: str
    body_en: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxOut(Schema):
    unread: int
    messages: list[MessageOut]


class PreferencesOut(Schema):
    email: bool
    sms: bool
    webhook: bool
    wechat: bool
    language: str
    quiet_start: dt.time | None
    quiet_end: dt.time | None


class PreferencesIn(Schema):
    model_config = {"extra": "forbid"}

    email: bool | None = None
    sms: bool | None = None
    webhook: bool | None = None
    wechat: bool | None = None
    language: Literal["zh-hans", "en"] | None = None
    quiet_start: LocalTime | None = None
    quiet_end: LocalTime | None = None
