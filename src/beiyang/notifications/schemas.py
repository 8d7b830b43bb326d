from __future__ import annotations

import datetime as dt

from ninja import Schema


class MessageOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxOut(Schema):
    unread: int
    messages: list[MessageOut]
