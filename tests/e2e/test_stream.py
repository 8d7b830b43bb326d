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


async def _ends(iterator, timeout: float = 5.0) -> bool:
    """True when the stream closes within ``timeout``; heartbeats and frames are skipped."""
    try:
        while True:
            await asyncio.wait_for(iterator.__anext__(), timeout)
    except StopAsyncIteration:
        return True
    except TimeoutError:
        return False


def _open_then(headers: dict, end_it, cookies=None) -> bool:
    """Open a stream, run ``end_it`` (sync) once it is connected, and tell whether it closed.
    The heartbeat is long, so only the end of the credential can close it in time."""

    async def scenario():
        client = AsyncClient()
        if cookies is not None:
            client.cookies = cookies
        response = await client.get("/api/v1/me/messages/stream", headers=headers)
        assert response.status_code == 200
        stream = response.streaming_content.__aiter__()
        await asyncio.wait_for(stream.__anext__(), 5)  # connected
        await sync_to_async(end_it)()
        closed = await _ends(stream)
        await stream.aclose()
        return closed

    return async_to_sync(scenario)()


@pytest.fixture
def long_heartbeat(settings):
    settings.STREAM_HEARTBEAT_SECONDS = 60


def test_revoking_the_token_closes_its_stream(founder, long_heartbeat):
    from beiyang.accounts.actions import do_revoke_token
    from beiyang.accounts.models import ApiToken

    user, _company, api = founder
    token = ApiToken.objects.get(user=user)
    assert _open_then({"Authorization": f"Bearer {api.token}"}, lambda: do_revoke_token(user, token.pk))


def test_another_token_revoked_leaves_the_stream_open(founder, long_heartbeat):
    from conftest import token_for

    from beiyang.accounts.actions import do_revoke_token
    from beiyang.accounts.models import ApiToken

    user, _company, api = founder
    token_for(user)
    other = ApiToken.objects.filter(user=user).latest("pk")

    async def scenario():
        response = await AsyncClient().get(
            "/api/v1/me/messages/stream", headers={"Authorization": f"Bearer {api.token}"}
        )
        stream = response.streaming_content.__aiter__()
        await asyncio.wait_for(stream.__anext__(), 5)
        await sync_to_async(do_revoke_token)(user, other.pk)
        await sync_to_async(_send)(user.pk, "还在")
        frames = await _frames(stream, 1)
        await stream.aclose()
        return frames

    assert [m["title"] for m in async_to_sync(scenario)()] == ["还在"]


def test_deactivating_the_user_closes_their_stream(founder, long_heartbeat):
    user, _company, api = founder

    def deactivate():
        user.is_active = False
        user.save()

    assert _open_then({"Authorization": f"Bearer {api.token}"}, deactivate)


def test_logging_out_closes_the_session_s_stream(founder, long_heartbeat):
    user, _company, _api = founder
    browser = Client()
    browser.force_login(user)
    assert _open_then({}, lambda: browser.post("/logout/"), cookies=browser.cookies)
