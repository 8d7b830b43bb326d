"""Group commit: callers that write at the same moment share one transaction.

A write made by many request threads at once (a registration rush, providers redeeming
against one grant) costs a transaction, a lock and a handful of statements every time. Done
for a batch, the same statements carry many writes, the way databases commit their logs and
TigerBeetle applies transfers. The first caller to arrive leads: it takes what has queued,
runs the batch on its own connection, hands every caller its own result or error, and passes
the lead to the next caller still waiting, so nobody waits longer than the batch ahead of it
and its own.

A batch that fails as a whole (say a unique index refused one row that another process wrote
first) is run again one item at a time, so every caller gets the answer it would have had
alone. A caller already inside a transaction is not batched: its write has to be part of
that transaction, so it runs alone, at once, on its own connection. Items with the same
``identity`` in one batch (a double tap, a retried request) are not run side by side: the
first goes into the batch, the others run alone after it commits, so they find what it wrote.

Reads that many threads make at once can share a statement the same way (the token lookups of
a rush of founders new to the process): the batch function then opens no transaction.

Connections. A caller that waits for a leader gives its pooled connection back first: with
callers holding the pool while the leader waits for a connection, a rush on PostgreSQL stalled
in pool timeouts. A batch that fails because its connection was lost (a terminated backend, a
failover) runs again once, whole, on a fresh connection; the batch functions are idempotent
(they look for what an earlier run of the same request wrote), so a batch whose COMMIT went
through before the connection died is reported as committed, not as an error. If the fresh
connection fails too, every caller gets that error at once, rather than each item waiting for
a connection in turn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)
BUSY_WINDOW_SECONDS = 0.05  # a batch ended this recently: more callers are likely on their way

# What a batch function returns for each item: the caller's result, or the exception to
# raise in the caller's thread.
BatchFunction = Callable[[Sequence[Any]], list[Any]]
# What a lost connection raises (and a deadlock or a lock timeout: worth one more try too).
CONNECTION_LOST = (OperationalError, InterfaceError)


@dataclass(eq=False)
class _Slot:
    item: Any
    ready: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(
        self,
        run_batch: BatchFunction,
        *,
        identity: Callable[[Any], Hashable] | None = None,
        max_batch: int = 64,
        linger_seconds: float = 0.003,
    ) -> None:
        self.run_batch = run_batch
        self.identity = identity
        self.max_batch = max_batch
        self.linger_seconds = linger_seconds
        self._mutex = threading.Lock()
        self._arrived = threading.Condition(self._mutex)
        self._last_end: dict[Hashable, float] = {}
        self._last_size: dict[Hashable, int] = {}
        self._wanted: dict[Hashable, int] = {}  # a leader is lingering for this many
        self._queues: dict[Hashable, deque[_Slot]] = {}
        self._led: set[Hashable] = set()

    def submit(self, key: Hashable, item: Any) -> Any:
        """Run ``item`` in a batch with others of the same ``key``; return its result or raise
        its error, as if it had run alone."""
        if connection.in_atomic_block:
            return _unwrap(self.alone(item))
        slot = _Slot(item)
        with self._mutex:
            queue = self._queues.setdefault(key, deque())
            queue.append(slot)
            leads = key not in self._led
            self._led.add(key)
            if len(queue) == self._wanted.get(key):
                self._arrived.notify_all()  # the leaders of every key share the condition
        if not leads:
            _give_back_connection()
            slot.ready.wait()  # set when the slot is settled, or when it is handed the lead
        if not slot.done:
            self._lead(key, slot)
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _lead(self, key: Hashable, own: _Slot) -> None:
        queue = self._queues[key]
        try:
            while not own.done:
                with self._mutex:
                    self._linger(key, queue)
                    batch = [queue.popleft() for _ in range(min(self.max_batch, len(queue)))]
                if not batch:
                    raise RuntimeError("group commit: the leader's own item is not queued")
                self._last_size[key] = len(batch)
                self._settle(batch)
                self._last_end[key] = time.monotonic()
        finally:
            with self._mutex:
                if queue:
                    queue[0].ready.set()  # not done: it leads next
                else:
                    self._led.discard(key)

    def _linger(self, key: Hashable, queue: deque[_Slot]) -> None:
        """Under a rush the callers of the last batch come back one after the other: wait (at
        most ``linger_seconds``) until as many as last time have queued, rather than run a small
        batch and make the rest queue behind it. Only while busy (a batch of this key ended
        moments ago), so a lone caller never waits. The arrival that completes the batch wakes
        the leader; the others do not, to keep thread switches down."""
        if time.monotonic() - self._last_end.get(key, -1e9) > BUSY_WINDOW_SECONDS:
            return
        wanted = min(self._last_size.get(key, 1), self.max_batch)
        if len(queue) >= wanted:
            return
        self._wanted[key] = wanted
        try:
            self._arrived.wait_for(lambda: len(queue) >= wanted, self.linger_seconds)
        finally:
            del self._wanted[key]

    def _settle(self, batch: list[_Slot]) -> None:
        items = [slot.item for slot in batch]
        try:
            outcomes = self.settle(items)
        except BaseException as exc:  # interpreter shutdown and the like: nobody may wait forever
            outcomes = [exc] * len(items)
            raise
        finally:
            for slot, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    slot.error = outcome
                else:
                    slot.result = outcome
                slot.done = True
                slot.ready.set()

    def settle(self, items: Sequence[Any]) -> list[Any]:
        """Run ``items`` as one batch, now, on this thread: each one's result or exception. A
        repeat of an earlier item's identity runs alone once the batch has committed."""
        firsts: list[int] = []
        repeats: list[int] = []
        seen: set[Hashable] = set()
        for i, item in enumerate(items):
            ident = self.identity(item) if self.identity is not None else i
            (repeats if ident in seen else firsts).append(i)
            seen.add(ident)
        outcomes: list[Any] = [None] * len(items)
        for i, outcome in zip(firsts, self._run([items[i] for i in firsts]), strict=True):
            outcomes[i] = outcome
        for i in repeats:
            outcomes[i] = self.alone(items[i])
        return outcomes

    def _run(self, items: list[Any]) -> list[Any]:
        try:
            return self.run_batch(items)
        except CONNECTION_LOST as exc:
            if connection.in_atomic_block:  # the caller's transaction is lost with it
                return self._one_by_one(items, exc)
            logger.warning(
                "a batch of %d lost its connection; once more on a fresh one", len(items), exc_info=True
            )
            connection.close()  # a broken connection is discarded by the pool
        except Exception as exc:
            return self._one_by_one(items, exc)
        try:
            return self.run_batch(items)
        except CONNECTION_LOST as exc:
            connection.close()
            return [exc] * len(items)
        except Exception as exc:
            return self._one_by_one(items, exc)

    def _one_by_one(self, items: list[Any], exc: Exception) -> list[Any]:
        if len(items) == 1:
            return [exc]
        logger.warning("a batch of %d failed; settling its items one by one", len(items), exc_info=exc)
        return [self.alone(item) for item in items]

    def alone(self, item: Any) -> Any:
        """Run one item as a batch of its own, now, on this thread's connection: its result, or
        the exception it raised."""
        return self._run([item])[0]


def _give_back_connection() -> None:
    """Return this thread's connection to its pool (PostgreSQL) while it waits: the leader may
    need it. It is taken again at the next query. Connections that are not pooled stay."""
    if getattr(connection, "pool", None) is not None and connection.connection is not None:
        connection.close()


def _unwrap(outcome: Any) -> Any:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome
