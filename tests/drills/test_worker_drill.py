"""Drill: the job worker is killed (-9) in the middle of sending, and another one starts.

Before: the jobs a worker held died with it, and their SMS were never sent. Now the worker
holds claims with a lease; the next worker, at its start, sends whatever is due or whose lease
ran out, under the same idempotency keys (the gateway can drop the copy it already had)."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings

from beiyang.core.tests.threads import wait_for
from beiyang.notifications import tasks
from beiyang.notifications.actions import do_send_message, do_set_preferences
from beiyang.notifications.models import Delivery
from tests.servers import database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.drill, pytest.mark.slow]
LEASE_SECONDS = 2


class Gateway(http.server.ThreadingHTTPServer):
    """An SMS gateway that hangs while ``hanging`` is set, else records and answers."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.hanging = threading.Event()
        self.entered = threading.Event()
        self.received: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/sms"


class _GatewayHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        gateway: Gateway = self.server
        if gateway.hanging.is_set():
            gateway.entered.set()
            time.sleep(30)  # the worker dies meanwhile
            return
        gateway.received.append(self.headers["Idempotency-Key"])
        body = json.dumps({"id": f"gw-{len(gateway.received)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_worker(gateway: Gateway) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "BEIYANG_VAR_DIR": str(settings.VAR_DIR),
        "SMS_BACKEND": "beiyang.accounts.sms.HttpSmsBackend",
        "SMS_GATEWAY_URL": gateway.url,
        "DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    for name in ("DJANGO_SETTINGS_MODULE", "HUEY_IMMEDIATE", "REDIS_URL"):
        env.pop(name, None)  # a real worker on a queue of its own (SQLite, in the drill's var dir)
    return subprocess.Popen(
        [sys.executable, "-m", "beiyang.cli", "run_huey", "--workers", "1", "--no-periodic"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_send_loses_nothing(make_founder, monkeypatch):
    def queue_down(_ids):
        raise ConnectionError("no queue: the workers find the deliveries themselves")

    monkeypatch.setattr(tasks, "send_deliveries_task", queue_down)
    for _ in range(5):
        user = make_founder()[0]
        do_set_preferences(user, email=False)
        do_send_message(user.pk, kind="event", title="报名成功")
    deliveries = Delivery.objects.filter(channel="sms")
    assert deliveries.count() == 5

    gateway = Gateway()
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    gateway.hanging.set()
    first = start_worker(gateway)
    try:
        assert gateway.entered.wait(60), "the first worker never reached the gateway"
        first.send_signal(signal.SIGKILL)  # mid-send, holding every claim it made
        first.wait(10)
        assert deliveries.filter(status="queued").exclude(claim_token="").exists()
        time.sleep(LEASE_SECONDS + 0.5)  # its leases run out
        gateway.hanging.clear()
        second = start_worker(gateway)
        try:
            assert wait_for(lambda: deliveries.filter(status="sent").count() == 5, 90), list(
                deliveries.values_list("status", "attempts", "last_error")
            )
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
        gateway.shutdown()
    keys = {d.idempotency_key for d in deliveries}
    assert set(gateway.received) == keys and len(gateway.received) == 5
