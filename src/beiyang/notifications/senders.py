"""Gateway calls in parallel, so that one worker keeps pace with a rush.

A gateway call is almost all waiting (an SMS API answers in 50-300 ms), so a worker that sends
one delivery after another is capped at a few dozen a second whatever the machine, and a rush
of 5,000 registrations makes 10,000-15,000 deliveries. In the job worker a pool of
``DELIVERY_SENDERS`` threads makes the calls: a wake-up job claims its deliveries and hands
them to the pool, so the queue's few threads are never the ones waiting on a gateway. Each
pool thread runs the same ``do_send_claimed`` (claim re-checked, gateway call, outcome
recorded in its own short transaction) and asks for its own retry, so the guarantees of one
send hold for each; a worker that dies leaves claims that expire, and the sweep sends them.

Everywhere else (a web process sending inline, a transaction whose rows other connections
cannot see yet, the tests' immediate queue) a batch is sent in the calling thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, connections

logger = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def start_pool() -> None:
    """Called once by the job worker: from now on claimed batches go to the pool."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.DELIVERY_SENDERS, thread_name_prefix="delivery-sender"
            )


def stop_pool() -> None:
    """Finish the sends in hand (their outcomes are recorded), then stop."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def _send_in_pool(delivery_id: int, token: str, read) -> None:
    # A real cycle: the actions hand claimed batches to this module, which sends each through
    # the same action.
    from beiyang.notifications.actions import do_send_claimed, wake_sender

    try:
        _status, retry = do_send_claimed(delivery_id, token, read=read)
        if retry is not None:
            wake_sender([delivery_id], eta=retry)
    except Exception:  # the outcome could not be recorded: the lease runs out, the sweep retries
        logger.exception("delivery %s: send failed in the pool", delivery_id)
    finally:
        # Hand this thread's connection back (to the pool on PostgreSQL and our SQLite
        # backend): the thread lives on, idle, between batches.
        connections.close_all()


def send_all(
    delivery_ids: list[int], token: str, now: dt.datetime | None
) -> list[tuple[str, dt.datetime | None]]:
    """Send a claimed batch. In the calling thread: the outcomes, in order. Handed to the
    worker's pool: an empty list (each pool thread schedules its own retry)."""
    from beiyang.notifications.actions import claimed_batch, do_send_claimed  # the cycle above

    batch = claimed_batch(delivery_ids)
    pool = _pool
    if pool is None or now is not None or connection.in_atomic_block:
        return [do_send_claimed(pk, token, now, read=batch.get(pk)) for pk in delivery_ids if pk in batch]
    for pk in delivery_ids:
        if pk in batch:  # a delivery whose message was deleted since the claim is left
            pool.submit(_send_in_pool, pk, token, batch[pk])
    return []
