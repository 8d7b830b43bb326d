"""Probes.

- ``/healthz``: the process answers.
- ``/readyz``: *this process* can serve: its database answers within a second. It is what a
  load balancer asks, so it fails only for causes that are this host's own. Causes every host
  shares (Redis, the job worker, the queue) would take the whole town out of the balancer at
  once while requests still succeed: requests degrade without Redis (rate limits count in the
  process, wake-ups wait for the sweep), and deliveries wait for a worker.
- ``/statusz``: the town's shared health for alerts and people (database, Redis, the worker's
  heartbeat, queue depth, the oldest undelivered message, recent gateway errors): 503 when
  something needs someone, never asked by a balancer.

All answer over plain HTTP in every profile (the load balancer probes the app directly).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connections
from django.db.models import Min
from django.http import JsonResponse
from django.utils import timezone

from beiyang.notifications.models import Delivery
from beiyang.ops.worker import queue_depth, worker_heartbeat_age

QUEUE_BACKLOG = 10_000
# A probe has a few seconds before its balancer gives up; an answer it can use comes first.
DATABASE_PROBE_SECONDS = 1.0
# Deliveries older than this while still queued mean the sending side is not keeping up.
OLDEST_DELIVERY_ALERT_SECONDS = 300
# A few threads that may each stay stuck in a dead database's connect for a while: the probe
# stops waiting for them, it does not stop them.
_probe_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="probe")


def healthz(request):
    return JsonResponse({"status": "ok"})


def _select_one() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return connections["default"].vendor
    finally:
        connections.close_all()


def database_answers(seconds: float = DATABASE_PROBE_SECONDS) -> tuple[bool, str]:
    """(answered within ``seconds``, the engine or what went wrong)."""
    future = _probe_threads.submit(_select_one)
    try:
        return True, future.result(timeout=seconds)
    except FutureTimeout:
        return False, f"no answer within {seconds:g} s"
    except Exception as exc:  # any database failure means "not ready"
        return False, type(exc).__name__


def _redis() -> tuple[bool, str] | None:
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    except Exception as exc:  # any Redis failure is reported, not raised
        return False, type(exc).__name__
    return True, "ok"


def readyz(request):
    ok, database = database_answers()
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "database": database}, status=200 if ok else 503
    )


def oldest_queued_delivery_age(now: dt.datetime | None = None) -> float | None:
    """Seconds since the oldest delivery still waiting to be sent was written (None: none waits).
    Read through the (status, next_attempt_at) index: only queued rows are touched."""
    oldest = Delivery.objects.filter(status=Delivery.QUEUED).aggregate(at=Min("created_at"))["at"]
    if oldest is None:
        return None
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())


def statusz(request):
    checks: dict[str, object] = {}
    db_ok, checks["database"] = database_answers()
    ok = db_ok
    redis_state = _redis()
    if redis_state is not None:
        redis_ok, checks["redis"] = redis_state
        ok &= redis_ok
    if not settings.HUEY.get("immediate"):
        age = worker_heartbeat_age()
        worker_ok = age is not None and age <= settings.WORKER_STALE_SECONDS
        checks["worker"] = {"ok": worker_ok, "heartbeat_age_seconds": None if age is None else round(age, 1)}
        depth = queue_depth()
        queue_ok = depth is not None and depth < QUEUE_BACKLOG
        checks["queue"] = {"ok": queue_ok, "depth": depth}
        ok &= worker_ok and queue_ok
    if db_ok:
        try:
            oldest = oldest_queued_delivery_age()
            failed_last_hour = Delivery.objects.filter(
                status=Delivery.FAILED, created_at__gte=timezone.now() - dt.timedelta(hours=1)
            ).count()
        except Exception as exc:  # the figures are reported as missing, the page still answers
            checks["deliveries"] = {"ok": False, "error": type(exc).__name__}
            ok = False
        else:
            deliveries_ok = oldest is None or oldest < OLDEST_DELIVERY_ALERT_SECONDS
            checks["deliveries"] = {
                "ok": deliveries_ok,
                "oldest_queued_age_seconds": None if oldest is None else round(oldest, 1),
                "failed_last_hour": failed_last_hour,
            }
            ok &= deliveries_ok
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)
