"""Daily jobs run late rather than never: a worker that starts after a job's minute runs it."""

import datetime as dt
import threading

import pytest
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey.consumer import Worker
from huey.contrib.djhuey import HUEY

from beiyang.core import jobs
from beiyang.core import tasks as core_tasks
from beiyang.core.models import JobRun
from beiyang.core.tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nightly(monkeypatch):
    """A daily job at 23:30 that counts its runs, in place of the registered ones."""
    runs: list[int] = []
    autodiscover_modules("tasks")  # registered now, not into the dict the test swaps in
    monkeypatch.setattr(jobs, "DAILY_JOBS", {})
    jobs.daily_job(hour=23, minute=30)(lambda: runs.append(1) or len(runs))
    [name] = jobs.DAILY_JOBS
    return name, runs


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_the_last_slot_is_today_after_the_minute_and_yesterday_before():
    job = jobs.DailyJob("j", 23, 30, lambda: None)
    assert job.last_slot(local(2026, 12, 1, 23, 30)) == local(2026, 12, 1, 23, 30)
    assert job.last_slot(local(2026, 12, 2, 8, 0)) == local(2026, 12, 1, 23, 30)
    assert job.last_slot(local(2026, 12, 1, 23, 29)) == local(2026, 11, 30, 23, 30)


def test_a_daily_job_missed_at_its_minute_runs_when_the_worker_starts(nightly, monkeypatch):
    name, runs = nightly
    yesterday = jobs.DAILY_JOBS[name].last_slot(timezone.now()) - dt.timedelta(days=1)
    JobRun.objects.create(name=name, started_for=yesterday, finished_for=yesterday)
    monkeypatch.setattr(core_tasks, "_started", False)
    # What Huey's consumer does in a worker before it takes its first job.
    Worker(HUEY, threading.Event(), 0.1, 1, 1.1).initialize()
    assert runs == [1]
    run = JobRun.objects.get(name=name)
    assert run.finished_for == jobs.DAILY_JOBS[name].last_slot(timezone.now())
    # The periodic check a minute later, and another worker starting, do not run it again.
    assert core_tasks.daily_jobs_task.call_local() == {}
    monkeypatch.setattr(core_tasks, "_started", False)
    Worker(HUEY, threading.Event(), 0.1, 1, 1.1).initialize()
    assert runs == [1]


def test_a_slot_runs_once_however_many_workers_check(nightly):
    name, runs = nightly
    now = local(2026, 12, 1, 23, 31)
    results = at_once(6, lambda: jobs.run_due_daily_jobs(now))
    assert len(results) == 6 and runs == [1]
    assert jobs.run_due_daily_jobs(local(2026, 12, 2, 23, 29)) == {}  # the next slot is not due
    assert jobs.run_due_daily_jobs(local(2026, 12, 2, 23, 30)) == {name: 2}


def test_a_run_whose_worker_died_is_taken_over_once_stale(nightly):
    name, runs = nightly
    slot = local(2026, 12, 1, 23, 30)
    JobRun.objects.create(name=name, started_for=slot, started_at=slot)  # started, never finished
    assert jobs.run_due_daily_jobs(slot + dt.timedelta(minutes=10)) == {}
    assert jobs.run_due_daily_jobs(slot + jobs.STALE_AFTER + dt.timedelta(minutes=1)) == {name: 1}
    assert JobRun.objects.get(name=name).finished_for == slot and runs == [1]


def test_the_town_daily_jobs_are_registered():
    autodiscover_modules("tasks")
    assert {(j.hour, j.minute) for j in jobs.DAILY_JOBS.values()} == {(0, 5), (9, 0), (23, 30)}
