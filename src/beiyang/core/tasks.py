"""The worker's own jobs: daily jobs on time or late, and the catch-up when a worker starts."""

from __future__ import annotations

import logging
import threading

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

logger = logging.getLogger(__name__)
_caught_up = threading.Lock()
_started = False


@db_periodic_task(crontab(minute="*"))
def daily_jobs_task() -> dict:
    """Every minute: run the daily jobs whose local time has come (``core/jobs.py``)."""
    from beiyang.core.jobs import run_due_daily_jobs

    return run_due_daily_jobs()


def catch_up() -> dict:
    """What a worker does before taking jobs: the daily jobs it missed, then every delivery that
    is due or whose claim has expired, whatever became of the queue and the workers before."""
    from beiyang.core.jobs import run_due_daily_jobs
    from beiyang.notifications.actions import do_send_due_deliveries

    ran = run_due_daily_jobs()
    return {"daily_jobs": sorted(ran), "deliveries": do_send_due_deliveries()}


@on_startup()
def catch_up_at_worker_start() -> None:
    # Huey calls startup hooks in each worker thread; one catch-up per process is enough.
    global _started
    with _caught_up:
        if _started:
            return
        _started = True
    from django.db import close_old_connections

    try:
        logger.info("worker start: caught up %s", catch_up())
    finally:
        close_old_connections()
