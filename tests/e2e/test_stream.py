"""The message stream: replay after Last-Event-ID, live wake-ups, heartbeats, refusals."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient, Client

from beiyang.notifications.actions import do_send_message

pytestmark = pytest.mark.django_db(transaction=True)


def _send(user_id, title):
    return do_send_message(user_id, kind="system", title=title, channels=False)


async def _frames(iterator, count, timeout=5.0):
    frames = []
    while len(frames) < count:
        chunk = await asyncio.wait_for(iterator.__anext__(), timeout)
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("id:"):
            frames.append(json.loads(text.split("data: ", 1)[1]))
    return frames


def test_replay_then_live(founder, settings):
    settings.STREAM_HEARTBEAT_SECONDS = 0.5
    user, _company, api = founder
    first = _send(user.pk, "一")
    _send(user.pk, "二")

    async def scenario():
        response = await AsyncClient().get(
            "/api/v1/me/messages/stream",
            headers={"Authorization": f"Bearer {api.token}", "Last-Event-ID": str(first.pk)},
        )
        assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
        stream = response.streaming_content.__aiter__()
        replayed = await _frames(stream, 1)
        await sync_to_async(_send)(user.pk, "三")
        live = await _frames(stream, 1)
        await stream.aclose()
        return replayed, live

    replayed, live = async_to_sync(scenario)()
    assert [m["title"] for m in replayed] == ["二"]
    assert [m["title"] for m in live] == ["三"] and live[0]["unread"] == 3


def test_heartbeat_when_idle(founder, settings):
    settings.STREAM_HEARTBEAT_SECONDS = 0.2
    _user, _company, api = founder

    async def scenario():
        response = await AsyncClient().get(
            "/api/v1/me/messages/stream", headers={"Authorization": f"Bearer {api.token}"}
        )
        stream = response.streaming_content.__aiter__()
        seen = [await asyncio.wait_for(stream.__anext__(), 3) for _ in range(2)]
        seen = [s.decode() if isinstance(s, bytes) else s for s in seen]
        await stream.aclose()
        return seen

    first, second = async_to_sync(scenario)()
    assert first.startswith("retry:") and second == ": heartbeat\n\n"


def test_refusals(founder):
    _user, _company, api = founder
    assert Client().get("/api/v1/me/messages/stream").status_code == 401
    bad = Client().get(
        "/api/v1/me/messages/stream", headers={"Authorization": f"Bearer {api.token}", "Last-Event-ID": "abc"}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "Last-Event-ID"
    forged = Client().get("/api/v1/me/messages/stream", headers={"Authorization": "Bearer byt_forged"})
    assert forged.status_code == 401
