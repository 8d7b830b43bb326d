"""Daily jobs that are not lost when the worker is down at their minute.

A Huey periodic task fires only if a worker is up during its minute. Here each daily job is a
plain function registered with its local time (``@daily_job(hour=0, minute=5)``); one periodic
task (every minute) and the worker's start both call ``run_due_daily_jobs``, which runs every
job whose last slot (the latest local hh:mm at or before now) has not been run. The slot a job
was started and finished for is kept in ``JobRun``; a compare-and-set on it lets exactly one
worker start a slot, and a start that never finished (its worker died) is taken over after
``STALE_AFTER``. The jobs themselves are idempotent, so running one late (or twice after a
crash) is safe.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from beiyang.core.models import JobRun

logger = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DailyJob:
    name: str
    hour: int
    minute: int
    func: Callable[[], Any]

    def last_slot(self, now: dt.datetime) -> dt.datetime:
        """The latest time this job was due at or before ``now`` (local wall clock)."""
        local = timezone.localtime(now)
        slot = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if slot > local:
            slot -= dt.timedelta(days=1)
        return timezone.make_aware(slot.replace(tzinfo=None), local.tzinfo)


DAILY_JOBS: dict[str, DailyJob] = {}


def daily_job(*, hour: int, minute: int) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register ``func`` to run once a day at ``hour:minute`` local time, late if need be."""

    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        name = f"{func.__module__}.{func.__name__}"
        DAILY_JOBS[name] = DailyJob(name, hour, minute, func)
        return func

    return register


# Work a worker does once when it starts, before taking jobs (each app registers its own, so
# that ``core`` names no app): a name -> a function returning what it did.
WORKER_START_JOBS: dict[str, Callable[[], Any]] = {}


def at_worker_start(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register ``func`` to run when a worker starts (``core.tasks.catch_up``), under ``name``."""

    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        WORKER_START_JOBS[name] = func
        return func

    return register


def run_daily_job(name: str, now: dt.datetime | None = None) -> tuple[bool, Any]:
    """Run the job if its last slot has not been run (or its run died): (ran, its result)."""

    job = DAILY_JOBS[name]
    now = now or timezone.now()
    slot = job.last_slot(now)
    run, _ = JobRun.objects.get_or_create(name=name)
    if run.finished_for is not None and run.finished_for >= slot:
        return False, None  # the every-minute check: done for this slot, nothing to write
    unfinished = Q(finished_for__isnull=True) | Q(finished_for__lt=slot)
    claimable = (
        Q(started_for__isnull=True)
        | Q(started_for__lt=slot)
        | (unfinished & Q(started_at__lt=now - STALE_AFTER))
    )
    if not JobRun.objects.filter(claimable, unfinished, name=name).update(started_for=slot, started_at=now):
        return False, None
    logger.info("daily job %s: running for %s", name, slot.isoformat())
    result = job.func()
    JobRun.objects.filter(name=name).update(finished_for=slot, finished_at=timezone.now())
    return True, result


def run_due_daily_jobs(now: dt.datetime | None = None) -> dict[str, Any]:
    """Every registered job whose slot is due and not yet run: its result, by name. One job's
    failure is logged and does not keep the others from running."""
    autodiscover_modules("tasks")  # every app's jobs are registered, wherever this is called from
    ran: dict[str, Any] = {}
    for name in sorted(DAILY_JOBS):
        try:
            done, result = run_daily_job(name, now)
        except Exception:
            logger.exception("daily job %s failed", name)
            continue
        if done:
            ran[name] = result
    return ran
