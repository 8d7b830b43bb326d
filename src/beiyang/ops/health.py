"""Probes. ``/healthz``: the process answers. ``/readyz``: it can serve — the database answers,
Redis answers when configured, the job worker beat recently, the queue is not piling up.
Both answer over plain HTTP in every profile (the load balancer probes the app directly)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from beiyang.ops.worker import queue_depth, worker_heartbeat_age

QUEUE_BACKLOG = 10_000


def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not ready"
        return False, type(exc).__name__
    return True, connection.vendor


def _redis() -> tuple[bool, str] | None:
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    except Exception as exc:  # any Redis failure means "not ready"
        return False, type(exc).__name__
    return True, "ok"


def readyz(request):
    checks: dict[str, object] = {}
    ok = True
    db_ok, checks["database"] = _database()
    ok &= db_ok
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
    return JsonResponse({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)
