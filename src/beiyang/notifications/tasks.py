from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beiyang.core.jobs import at_worker_start
from beiyang.notifications.actions import do_send_deliveries, do_send_due_deliveries, wake_sender


@db_task()
def send_deliveries_task(delivery_ids: list[int]) -> int:
    """A wake-up: send these deliveries if nobody holds them. The rows are the truth; losing
    this job delays them until the sweep, never loses them."""
    outcome = do_send_deliveries(delivery_ids)
    if outcome["retry_at"] is not None:
        # Backoff or quiet hours chosen by the action; the sweep covers a lost wake-up.
        wake_sender(delivery_ids, eta=outcome["retry_at"])
    return outcome["tried"]


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries_task() -> int:
    """Send what is due: retries, deliveries whose wake-up never reached the queue, and claims
    whose worker died (their lease ran out)."""
    return do_send_due_deliveries()


@at_worker_start("deliveries")
def send_due_deliveries_at_start() -> int:
    """A worker's start sends every delivery that is due or whose claim has expired, whatever
    became of the queue and the workers before."""
    return do_send_due_deliveries()
