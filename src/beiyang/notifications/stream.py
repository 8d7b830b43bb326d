"""``GET /api/v1/me/messages/stream``: Server-Sent Events of the signed-in person's messages.

Each event's id is the message id. On connect the stream replays every message after
``Last-Event-ID`` (header, or ``?last_event_id=``); without one it starts from now. It then
waits for a wake-up from the hub, reads the database, and sends what is new; with nothing
new it sends a heartbeat comment every ``STREAM_HEARTBEAT_SECONDS`` and re-reads the
database anyway, so a lost wake-up is only a delay.
"""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse

from beiyang.accounts.actions import authenticate_token
from beiyang.api.errors import json_error
from beiyang.core.errors import InvalidInput
from beiyang.core.realtime import hub
from beiyang.core.schemas import parse_row_id
from beiyang.notifications.models import Message
from beiyang.notifications.queries import unread_count

MAX_REPLAY = 200


async def _user(request: HttpRequest):
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header[7:].strip()
        return await sync_to_async(authenticate_token)(token) if 0 < len(token) <= 200 else None
    user = await request.auser()
    return user if user.is_authenticated and user.is_active else None


def _after(user_id: int, last_id: int) -> list[dict]:
    messages = list(Message.objects.filter(user_id=user_id, pk__gt=last_id).order_by("id")[:MAX_REPLAY])
    unread = unread_count(user_id) if messages else 0
    return [
        {
            "id": m.pk,
            "kind": m.kind,
            "title": m.title,
            "body": m.body,
            "title_en": m.title_en,
            "body_en": m.body_en,
            "link": m.link,
            "created_at": m.created_at.isoformat(),
            "unread": unread,
        }
        for m in messages
    ]


def _latest_id(user_id: int) -> int:
    last = Message.objects.filter(user_id=user_id).order_by("-id").values_list("id", flat=True).first()
    return last or 0


def _frame(item: dict) -> str:
    return f"id: {item['id']}\nevent: message\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"


async def message_stream(request: HttpRequest):
    if request.method != "GET":
        return json_error(405, "method_not_allowed", "仅支持 GET", "Only GET is allowed")
    user = await _user(request)
    if user is None:
        return json_error(
            401, "authentication_required", "请先登录或提供有效的令牌", "Sign in or send a valid token"
        )
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if raw is not None:
        try:
            last_id = parse_row_id(
                raw,
                "Last-Event-ID",
                allow_zero=True,
                code="invalid_last_event_id",
                message="Last-Event-ID 应为消息编号(非负整数)",
                message_en="Last-Event-ID must be a message id (a non-negative integer)",
            )
        except InvalidInput as exc:
            return json_error(400, exc.code, exc.message, exc.message_en, field=exc.field)
    else:
        last_id = await sync_to_async(_latest_id)(user.pk)
    user_id = user.pk
    heartbeat = settings.STREAM_HEARTBEAT_SECONDS

    async def events():
        nonlocal last_id
        sub = hub.subscribe(user_id)
        try:
            yield f"retry: 3000\n: connected as {user_id}\n\n"
            items = await sync_to_async(_after)(user_id, last_id)
            for item in items:
                last_id = item["id"]
                yield _frame(item)
            while True:
                woken = await sub.wait(heartbeat)
                items = await sync_to_async(_after)(user_id, last_id)
                for item in items:
                    last_id = item["id"]
                    yield _frame(item)
                if not items and not woken:
                    yield ": heartbeat\n\n"
        finally:
            hub.unsubscribe(sub)

    response = StreamingHttpResponse(events(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
