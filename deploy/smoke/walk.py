"""A founder's walk through the proxy: sign up, register for an event, and the town's message
arrives on the open stream; plus the probes answered over plain HTTP by the app itself."""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import time

import httpx

PROXY, APP = sys.argv[1], sys.argv[2]
client = httpx.Client(base_url=PROXY, verify=False, timeout=10)


def wait_ready(deadline: float) -> None:
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(f"{APP}/readyz", timeout=2)
            if last.status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.5)
    raise SystemExit(f"not ready: {getattr(last, 'text', last)}")


def main() -> None:
    wait_ready(time.monotonic() + 240)  # two processes starting on a loaded 2-core machine
    assert httpx.get(f"{APP}/healthz").status_code == 200  # plain HTTP, production profile: no redirect
    page = client.get("/")
    assert page.status_code == 200 and "Strict-Transport-Security" in page.headers, page.headers
    assert page.headers.get("X-Request-ID"), "no request id through the proxy"
    assert client.get("/metrics").status_code == 404  # not to the internet
    staff = client.post("/api/v1/auth/token", json={"phone": "13900009999", "password": "Smoke-Walk-2027!"})
    assert staff.status_code == 200, staff.text
    staff_headers = {"Authorization": f"Bearer {staff.json()['token']}"}
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    event = client.post(
        "/api/v1/staff/events",
        headers=staff_headers,
        json={
            "kind": "salon",
            "title": "部署冒烟测试沙龙",
            "venue": "北杨小镇",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
            "capacity": 5,
        },
    )
    assert event.status_code == 201, event.text
    signup = client.post("/api/v1/auth/signup", json={"phone": "13812340000", "password": "Smoke-Walk-2027!", "name": "冒烟"})
    assert signup.status_code == 201, signup.text
    token = signup.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    got: list[dict] = []
    opened = threading.Event()

    def listen() -> None:
        with httpx.Client(base_url=PROXY, verify=False, timeout=httpx.Timeout(10, read=20)) as stream_client:
            with stream_client.stream("GET", "/api/v1/me/messages/stream", headers=headers) as response:
                assert response.status_code == 200, response.status_code
                opened.set()
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        got.append(json.loads(line[5:]))
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(10), "the stream did not open through the proxy"
    time.sleep(0.5)
    tapped = time.monotonic()
    registered = client.post(f"/api/v1/events/{event.json()['id']}/registrations", headers=headers)
    assert registered.status_code == 201, registered.text
    listener.join(10)
    assert got, "no message on the stream through the proxy"
    print(f"smoke walk passed: message through nginx {1000 * (time.monotonic() - tapped):.0f} ms after the tap")


if __name__ == "__main__":
    main()
