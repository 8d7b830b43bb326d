"""Deliveries a second that one job worker sends against a gateway that takes 50 ms and
300 ms a call, as an SMS API does.

Each round queues SMS deliveries as a rush leaves them (one message and one SMS delivery per
founder, in the outbox), then sends them the way the job worker does: claims of 50, each
delivery's claim re-checked just before its call, the gateway called, the outcome recorded in
its own transaction. Side by side: the worker's pool of ``DELIVERY_SENDERS`` threads, and the
same code one delivery at a time (how the worker sent before; on fewer deliveries, since at
300 ms it takes minutes). The gateway is a process of its own (``beiyang.bench.gateway``) that
counts the calls: every delivery must be called exactly once.

The rows are written to a database of the benchmark's own (Django's test database), dropped
after."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Any

import httpx
from django.conf import settings
from django.db import connection

from beiyang.accounts.models import User
from beiyang.bench.common import free_port, save, table
from beiyang.notifications import senders
from beiyang.notifications.actions import do_send_due_deliveries
from beiyang.notifications.models import ChannelPreference, Delivery, Message


@contextmanager
def _own_database():
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


@contextmanager
def _gateway(latency: float):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "beiyang.bench.gateway", "--port", str(port), "--latency", str(latency)]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/stats", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the stand-in gateway did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _queue(count: int, offset: int) -> list[int]:
    """``count`` founders, each with one message whose one delivery is an SMS, in bulk."""
    users = User.objects.bulk_create(
        [User(phone=f"155{offset + i:08d}", name=f"创业者{offset + i}") for i in range(count)]
    )
    ChannelPreference.objects.bulk_create([ChannelPreference(user=u, email=False) for u in users])
    messages = Message.objects.bulk_create(
        [Message(user=u, kind="event", title="报名成功:模速路演日") for u in users]
    )
    deliveries = Delivery.objects.bulk_create([Delivery(message=m, channel="sms") for m in messages])
    return [d.pk for d in deliveries]


def _send_all(ids: list[int], pooled: bool) -> float:
    started = time.perf_counter()
    if pooled:
        senders.start_pool()
    try:
        while Delivery.objects.filter(pk__in=ids, status=Delivery.QUEUED, claim_token="").exists():
            do_send_due_deliveries(limit=len(ids))
    finally:
        if pooled:
            senders.stop_pool()  # every send in hand finished and recorded
    elapsed = time.perf_counter() - started
    left = Delivery.objects.filter(pk__in=ids).exclude(status=Delivery.SENT).count()
    if left:
        raise RuntimeError(f"{left} deliveries not sent")
    return elapsed


def run(quick: bool = False, log=print) -> dict[str, Any]:
    with _own_database():
        return _run(quick, log)


def _run(quick: bool, log) -> dict[str, Any]:
    import logging

    # httpx logs each call at INFO; a deployment logs at WARNING, and so does the benchmark.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings.SMS_BACKEND = "beiyang.accounts.sms.HttpSmsBackend"
    results: dict[str, Any] = {"senders": settings.DELIVERY_SENDERS}
    rows = [("gateway latency · how", "deliveries/s", "work measured")]
    offset = 0
    for latency in (0.05, 0.3):
        pooled_count = 400 if quick else 2000
        serial_count = 20 if quick else (100 if latency < 0.1 else 30)
        with _gateway(latency) as gateway:
            settings.SMS_GATEWAY_URL = f"{gateway}/sms"
            outcome = {}
            for how, count, pooled in (("pool", pooled_count, True), ("one at a time", serial_count, False)):
                ids = _queue(count, offset)
                offset += count
                seconds = _send_all(ids, pooled)
                outcome[how] = count / seconds
                rows.append(
                    (
                        f"{latency * 1000:.0f} ms · {how}",
                        f"{count / seconds:,.0f}",
                        f"{count} SMS deliveries claimed, sent and recorded in {seconds:.2f} s"
                        + (f" by {settings.DELIVERY_SENDERS} threads" if pooled else " in one thread"),
                    )
                )
            stats = httpx.get(f"{gateway}/stats", timeout=5).json()
            if stats["repeated_keys"]:
                raise RuntimeError(f"{stats['repeated_keys']} deliveries reached the gateway twice")
            outcome["gateway_calls"] = stats["calls"]
            results[f"{int(latency * 1000)}ms"] = outcome
    path = save("deliveries", results)
    log(table("Deliveries sent by one job worker (goal ≥ 200/s at 50 ms)", rows))
    log(f"each delivery reached the gateway once; saved {path}")
    return results
