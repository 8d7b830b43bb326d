"""The smoke walk's checks, through nginx as a phone reaches the town (smoke.sh sets the names).

``walk.py walk WORK``: the probes, a founder signs up, gets the town's message on the open stream
when registering, signs in with a login code sent through the SMS cloud, gets the notice SMS with
a link at SITE_URL; the test email went over SMTP; the calendar file links to SITE_URL.
``walk.py probe FILE``: asks the proxy every 50 ms until SIGTERM and fails if any request failed
(the rolling restart of the guide's section 10 runs meanwhile)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import httpx

SERVER_NAME = os.environ["SERVER_NAME"]
HTTPS_PORT = os.environ["HTTPS_PORT"]
SITE_URL = f"https://{SERVER_NAME}:{HTTPS_PORT}"
PROXY = f"https://127.0.0.1:{HTTPS_PORT}"
APPS = [f"http://127.0.0.1:{port}" for port in os.environ["APP_PORTS"].split()]


def proxy_client(**kwargs) -> httpx.Client:
    # The town's name in Host, as a phone sends it, to nginx on loopback (no DNS for the test
    # name); the certificate is the guide's temporary self-signed one.
    return httpx.Client(base_url=PROXY, headers={"Host": SERVER_NAME}, verify=False, **kwargs)


def wait_for(read, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = read()
        if found:
            return found
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def probe(out: Path) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *args: stop.set())
    ok, failed = 0, []
    out.write_text(json.dumps({"ok": 0, "failed": []}))
    with proxy_client(timeout=10) as client:
        while not stop.is_set():
            try:
                answer = client.get("/healthz")
                if answer.status_code == 200:
                    ok += 1
                else:
                    failed.append(f"{answer.status_code}: {answer.text[:80]}")
            except httpx.HTTPError as exc:
                failed.append(repr(exc))
            stop.wait(0.05)
    out.write_text(json.dumps({"ok": ok, "failed": failed}))
    print(f"rolling restart: {ok} requests answered, {len(failed)} failed")
    if failed or ok < 20:
        raise SystemExit(f"requests failed during the restart: {failed[:5]}")


def walk(work: Path) -> None:
    for app in APPS:
        assert httpx.get(f"{app}/readyz", timeout=10).status_code == 200, app
        assert httpx.get(f"{app}/healthz").status_code == 200  # plain HTTP: no redirect for probes
    client = proxy_client(timeout=10)
    page = client.get("/")
    assert page.status_code == 200 and "Strict-Transport-Security" in page.headers, page.headers
    assert page.headers.get("X-Request-ID"), "no request id through the proxy"
    assert client.get("/metrics").status_code == 404  # not to the internet

    staff = client.post(
        "/api/v1/auth/token",
        json={"phone": os.environ["STAFF_PHONE"], "password": os.environ["STAFF_PASSWORD"]},
    )
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
    event_id = event.json()["id"]
    phone = "13812340000"
    signup = client.post(
        "/api/v1/auth/signup", json={"phone": phone, "password": "Smoke-Walk-2027!", "name": "冒烟"}
    )
    assert signup.status_code == 201, signup.text
    headers = {"Authorization": f"Bearer {signup.json()['token']}"}

    got: list[dict] = []
    opened = threading.Event()

    def listen() -> None:
        with (
            proxy_client(timeout=httpx.Timeout(10, read=20)) as stream_client,
            stream_client.stream("GET", "/api/v1/me/messages/stream", headers=headers) as response,
        ):
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
    registered = client.post(f"/api/v1/events/{event_id}/registrations", headers=headers)
    assert registered.status_code == 201, registered.text
    listener.join(10)
    assert got, "no message on the stream through the proxy"
    print(f"message through nginx {1000 * (time.monotonic() - tapped):.0f} ms after the tap")

    def sms_to(template: str) -> list[dict]:
        try:
            sent = json.loads((work / "sms.json").read_text())["sent"]
        except (OSError, ValueError):
            return []
        return [s for s in sent if s["phone"] == phone and s["template"] == template]

    notice = wait_for(lambda: sms_to(os.environ["SMS_NOTICE_TEMPLATE_CODE"]), "the registration's notice SMS")
    assert notice[0]["params"]["link"].startswith(f"{SITE_URL}/me/messages/"), notice
    assert client.post("/api/v1/auth/sms-code", json={"phone": phone}).status_code == 202
    [code_sms] = wait_for(
        lambda: sms_to(os.environ["SMS_TEMPLATE_CODE"]), "the login code through the SMS cloud"
    )
    signed_in = client.post(
        "/api/v1/auth/sms-token", json={"phone": phone, "code": code_sms["params"]["code"]}
    )
    assert signed_in.status_code == 200, signed_in.text
    print("login code through the Aliyun SMS API signed the founder in")

    calendar = client.get(f"/api/v1/events/{event_id}/calendar.ics", headers=headers)
    assert calendar.status_code == 200 and f"URL:{SITE_URL}/events/{event_id}/" in calendar.text, (
        calendar.text
    )
    mail = json.loads((work / "mail.json").read_text())
    assert any(m["to"] == os.environ["ONCALL_EMAIL"] for m in mail), mail
    print("smoke walk passed")


if __name__ == "__main__":
    if sys.argv[1] == "probe":
        probe(Path(sys.argv[2]))
    else:
        walk(Path(sys.argv[2]))
