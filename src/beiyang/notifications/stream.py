"""``GET /api/v1/me/messages/stream``: Server-Sent Events of the signed-in person's messages.

Each event's id is the message id. On connect the stream replays every message after
``Last-Event-ID`` (header, or ``?last_event_id=``); without one it starts from now. It then
waits for a wake-up from the hub, reads the database, and sends what is new; with nothing
new it sends a heartbeat comment every ``STREAM_HEARTBEAT_SECONDS`` and re-reads the
database anyway, so a lost wake-up is only a delay.

A stream lives no longer than what it was opened with. Every change to the user or their
tokens, and every logout, sends the control notice ``FORGET_USER`` to every server process
(``accounts.token_cache``); each of the user's streams there re-checks its own token or
session in the database and ends when that no longer signs the user in (revoked, logged out,
user deactivated). A lost notice is caught at the next heartbeat, which re-checks too.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse

from beiyang.accounts.actions import authenticate_token
from beiyang.accounts.queries import credential_is_live
from beiyang.accounts.token_cache import FORGET_USER
from beiyang.accounts.tokens import digest
from beiyang.core.errors import InvalidInput
from beiyang.core.http import json_error
from beiyang.core.numbers import MAX_ROW_ID, read_int
from beiyang.core.realtime import Subscriber, hub
from beiyang.notifications.models import Message
from beiyang.notifications.queries import unread_count

MAX_REPLAY = 200


class _Open:
    """One open stream: its hub subscription and what it was opened with."""

    __slots__ = ("credential", "recheck", "sub")

    def __init__(self, sub: Subscriber | None, credential: dict[str, str]) -> None:
        self.sub = sub  # None until the response starts streaming
        self.credential = credential
        self.recheck = False


_open: dict[int, set[_Open]] = defaultdict(set)
_open_lock = threading.Lock()


def _user_changed(user_id) -> None:
    """A control notice (from any thread): the user's streams here re-check their credential."""
    with _open_lock:
        streams = list(_open.get(int(user_id), ()))
    for stream in streams:
        stream.recheck = True
        if stream.sub is not None:
            hub.wake_local_subscriber(stream.sub)


def _admit(user_id: int, stream: _Open) -> bool:
    """Hold a place for one more of the user's streams in this process, if they have fewer than
    ``STREAM_MAX_PER_USER`` open (each holds a connection and a subscription)."""
    with _open_lock:
        if len(_open.get(user_id, ())) >= settings.STREAM_MAX_PER_USER:
            return False
        _open[user_id].add(stream)
        return True


def _leave(user_id: int, stream: _Open) -> None:
    with _open_lock:
        held = _open.get(user_id)
        if held is not None:
            held.discard(stream)
            if not held:
                del _open[user_id]


hub.on_control(FORGET_USER, _user_changed)


async def _user(request: HttpRequest):
    """The signed-in user and what signed them in (a token's digest or the session's key)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header[7:].strip()
        user = await sync_to_async(authenticate_token)(token) if 0 < len(token) <= 200 else None
        return user, {"key_hash": digest(token)}
    user = await request.auser()
    if not (user.is_authenticated and user.is_active):
        return None, {}
    return user, {"session_key": request.session.session_key}


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
    user, credential = await _user(request)
    if user is None:
        return json_error(
            401, "authentication_required", "请先登录或提供有效的令牌", "Sign in or send a valid token"
        )
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if raw is not None:
        try:
            last_id = read_int(
                raw,
                "Last-Event-ID",
                low=0,
                high=MAX_ROW_ID,
                label=("Last-Event-ID(消息编号)", "Last-Event-ID"),
            )
        except InvalidInput as exc:
            return json_error(400, "invalid_last_event_id", exc.message, exc.message_en, field=exc.field)
    else:
        last_id = await sync_to_async(_latest_id)(user.pk)
    user_id = user.pk
    heartbeat = settings.STREAM_HEARTBEAT_SECONDS
    stream = _Open(None, credential)
    if not _admit(user_id, stream):
        return json_error(
            429,
            "too_many_streams",
            f"您同时打开的消息连接过多(最多{settings.STREAM_MAX_PER_USER}个),请关闭其他页面后重试",
            f"Too many message streams open at once (at most {settings.STREAM_MAX_PER_USER}); close another tab",
        )

    async def events():
        nonlocal last_id
        sub = stream.sub = hub.subscribe(user_id)
        try:
            yield f"retry: 3000\n: connected as {user_id}\n\n"
            items = await sync_to_async(_after)(user_id, last_id)
            for item in items:
                last_id = item["id"]
                yield _frame(item)
            while True:
                woken = await sub.wait(heartbeat)
                if stream.recheck or not woken:
                    stream.recheck = False
                    if not await sync_to_async(credential_is_live)(user_id, **credential):
                        return  # signed out: the client's reconnection gets 401
                items = await sync_to_async(_after)(user_id, last_id)
                for item in items:
                    last_id = item["id"]
                    yield _frame(item)
                if not items and not woken:
                    yield ": heartbeat\n\n"
        finally:
            _leave(user_id, stream)
            hub.unsubscribe(sub)

    response = StreamingHttpResponse(events(), content_type="text/event-stream; charset=utf-8")
    # Released when the response is closed too: a stream that never started holds no place.
    response._resource_closers.append(lambda: _leave(user_id, stream))
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
