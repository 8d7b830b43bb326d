"""SQLite as a server needs it: writers queued in the process, and connections pooled.

Measured against Django's own SQLite backend side by side (``beiyang bench events --quick``,
the "one part" pairs, each on a fresh server, 400 founders; two runs on a machine at load 10-13):
registrations/s as a share of plain ``GET /healthz``/s on the same server, 0.685 and 0.673 with
this backend, 0.460 and 0.553 with Django's (``SQLITE_BACKEND=stock``); the absolute rates swung
with the machine (101 vs 81/s, then 72 vs 129/s). It overrides private methods of Django's
wrapper (``_close``, ``_commit``, ``_start_transaction_under_autocommit``): re-measure on
upgrades.

Writers. With ``BEGIN IMMEDIATE`` SQLite admits one writer; the others wait in its busy
handler, which sleeps 1, 2, 5, 10 … 100 ms between tries, so under a rush the lock sits free
while everybody sleeps. Here the threads of one process queue on a lock of their own before
``BEGIN`` and go in the moment the previous writer commits. Other processes still meet
SQLite's busy handler; a thread that cannot get the lock within the busy timeout goes on to
``BEGIN`` and lets SQLite decide, so a stuck writer can never hang the process.

Connections. Under ASGI Django runs every request's synchronous part in a thread of its own,
and connections belong to threads, so ``CONN_MAX_AGE`` keeps nothing: each request opened a
connection, registered Django's SQL functions and ran the PRAGMAs again, which cost more than
a small request itself. Closed connections go back to a pool for the next thread instead
(settings keep ``CONN_MAX_AGE`` at 0 so that each request gives its connection back). A
connection goes back only outside any transaction, and never to a database file that has been
replaced since it was opened (the test runner recreates its database).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from django.db.backends.sqlite3 import base

POOL_SIZE = 64  # idle connections kept per database file; more are closed

_guard = threading.Lock()
_writer_locks: dict[str, threading.Lock] = {}
_idle: dict[str, list[tuple[sqlite3.Connection, int]]] = {}


def _writer_lock(name: str) -> threading.Lock:
    with _guard:
        return _writer_locks.setdefault(name, threading.Lock())


def _file_id(name: str) -> int:
    try:
        return os.stat(name).st_ino
    except OSError:
        return -1


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer_lock = False
    _file_id = -1

    @property
    def _name(self) -> str:
        return str(self.settings_dict["NAME"])

    # --- the pool ---
    def get_new_connection(self, conn_params: dict[str, Any]) -> sqlite3.Connection:
        if not self.is_in_memory_db():
            current = _file_id(self._name)
            with _guard:
                idle = _idle.get(self._name, [])
                while idle:
                    raw, file_id = idle.pop()
                    if file_id == current:
                        self._file_id = file_id
                        return raw
                    raw.close()
        fresh: sqlite3.Connection = super().get_new_connection(conn_params)
        self._file_id = _file_id(self._name)
        return fresh

    def _close(self) -> None:
        self._release_writer_lock()
        raw = self.connection
        if raw is None or self.is_in_memory_db() or raw.in_transaction:
            super()._close()  # type: ignore[misc]  # a private hook of the wrapper
            return
        with _guard:
            idle = _idle.setdefault(self._name, [])
            if len(idle) < POOL_SIZE:
                idle.append((raw, self._file_id))
                return
        super()._close()  # type: ignore[misc]

    # --- the writer queue ---
    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        self._holds_writer_lock = _writer_lock(self._name).acquire(timeout=timeout)
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer_lock()
            raise

    def _release_writer_lock(self) -> None:
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            _writer_lock(self._name).release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer_lock()
