"""Two server processes with Redis: register on one, the message arrives on the other's stream."""

import json
import threading
import time

import httpx
import pytest

from beiyang.events.tests.factories import EventFactory
from tests.servers import uvicorn_server

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.backend("redis"),  # cross-process fan-out travels through Redis
]


def test_register_on_one_process_receive_on_the_other(founder):
    _user, _company, api = founder
    event = EventFactory(capacity=5)
    headers = {"Authorization": f"Bearer {api.token}"}
    with uvicorn_server() as first, uvicorn_server() as second:
        received: list[tuple[float, dict]] = []
        ready = threading.Event()

        def listen():
            with httpx.stream(
                "GET", f"{second}/api/v1/me/messages/stream", headers=headers, timeout=20
            ) as resp:
                for line in resp.iter_lines():
                    if line.startswith(":"):
                        ready.set()
                    if line.startswith("data: "):
                        received.append((time.monotonic(), json.loads(line[6:])))
                        return

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert ready.wait(10)
        sent_at = time.monotonic()
        resp = httpx.post(f"{first}/api/v1/events/{event.pk}/registrations", headers=headers, timeout=10)
        assert resp.status_code == 201
        thread.join(timeout=10)
        assert received, "the message never reached the other process's stream"
        arrived_at, message = received[0]
        assert message["title"].startswith("报名成功") and arrived_at - sent_at < 2.0


def test_a_token_revoked_on_one_process_stops_working_on_the_other(founder):
    """Both processes remember the token after its first use; revoking it through one makes the
    other forget it through Redis, well before the memory would expire."""
    _user, _company, api = founder
    headers = {"Authorization": f"Bearer {api.token}"}
    with uvicorn_server() as first, uvicorn_server() as second:
        for base in (first, second):
            assert httpx.get(f"{base}/api/v1/me", headers=headers, timeout=10).status_code == 200
        token_id = httpx.get(f"{first}/api/v1/me/tokens", headers=headers, timeout=10).json()[0]["id"]
        revoked = httpx.delete(f"{first}/api/v1/me/tokens/{token_id}", headers=headers, timeout=10)
        assert revoked.status_code == 200
        deadline = time.monotonic() + 2
        while httpx.get(f"{second}/api/v1/me", headers=headers, timeout=10).status_code == 200:
            assert time.monotonic() < deadline, "the other process still accepts the revoked token"
            time.sleep(0.05)


def test_a_stream_on_one_process_closes_when_its_token_is_revoked_on_the_other(founder):
    """The heartbeat (which re-checks the token too) is a minute here, so only the control
    notice through Redis can close the stream in time."""
    _user, _company, api = founder
    headers = {"Authorization": f"Bearer {api.token}"}
    slow = {"STREAM_HEARTBEAT_SECONDS": "60"}
    with uvicorn_server(slow) as first, uvicorn_server(slow) as second:
        connected, closed = threading.Event(), threading.Event()

        def listen():
            with httpx.stream(
                "GET", f"{second}/api/v1/me/messages/stream", headers=headers, timeout=30
            ) as resp:
                for line in resp.iter_lines():
                    if line.startswith(":"):
                        connected.set()
            closed.set()

        threading.Thread(target=listen, daemon=True).start()
        assert connected.wait(10)
        token_id = httpx.get(f"{first}/api/v1/me/tokens", headers=headers, timeout=10).json()[0]["id"]
        assert (
            httpx.delete(f"{first}/api/v1/me/tokens/{token_id}", headers=headers, timeout=10).status_code
            == 200
        )
        assert closed.wait(10), "the stream on the other process outlived its token"
