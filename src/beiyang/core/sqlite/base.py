"""SQLite with writers queued in the process instead of polling the database lock.

With ``BEGIN IMMEDIATE`` SQLite admits one writer; the others wait in its busy handler, which
sleeps 1, 2, 5, 10 … 100 ms between tries. Under a rush (a hundred registrations at once) the
lock is free most of the time while everybody sleeps, and throughput collapses. Here the
threads of one process queue on a lock of their own before ``BEGIN`` and are let in the moment
the previous writer commits. Other processes still meet SQLite's busy handler, as before; a
thread that cannot get the lock within the busy timeout goes on to ``BEGIN`` and lets SQLite
decide, so a stuck writer can never hang the process.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _writer_lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer_lock = False

    def _start_transaction_under_autocommit(self):
        lock = _writer_lock(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        self._holds_writer_lock = lock.acquire(timeout=timeout)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _release_writer_lock(self):
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            _writer_lock(str(self.settings_dict["NAME"])).release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer_lock()
