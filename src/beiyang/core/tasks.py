"""The worker's own jobs: daily jobs on time or late, and the catch-up when a worker starts."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from beiyang.core.jobs import WORKER_START_JOBS, run_due_daily_jobs

logger = logging.getLogger(__name__)
_caught_up = threading.Lock()
_started = False


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey has no types
def daily_jobs_task() -> dict[str, Any]:
    """Every minute: run the daily jobs whose local time has come (``core/jobs.py``)."""
    return run_due_daily_jobs()


def catch_up() -> dict[str, Any]:
    """What a worker does before taking jobs: the daily jobs it missed, then what each app
    registered to run at a worker's start (``core.jobs.at_worker_start``: the notifications app
    sends every delivery that is due or whose claim has expired)."""
    ran = run_due_daily_jobs()  # registers every app's tasks module, and so their start jobs
    done: dict[str, Any] = {"daily_jobs": sorted(ran)}
    for name, func in sorted(WORKER_START_JOBS.items()):
        done[name] = func()
    return done


@on_startup()  # type: ignore[untyped-decorator]
def catch_up_at_worker_start() -> None:
    # Huey calls startup hooks in each worker thread; one catch-up per process is enough.
    global _started
    with _caught_up:
        if _started:
            return
        _started = True
    try:
        logger.info("worker start: caught up %s", catch_up())
    finally:
        close_old_connections()
