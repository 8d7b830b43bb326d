"""The job worker's life: a heartbeat the probes can read, and no worker outliving its server.

The heartbeat lives in Huey's own key-value store (the same Redis or SQLite file as the queue),
so a probe on any host sees the one worker, without a table of its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import threading
import time

from django.conf import settings

HEARTBEAT_KEY = "beiyang:worker-heartbeat"
PR_SET_PDEATHSIG = 1


def _huey():
    from huey.contrib.djhuey import HUEY

    return HUEY


def beat() -> None:
    payload = json.dumps({"at": time.time(), "pid": os.getpid(), "host": socket.gethostname()}).encode()
    _huey().storage.put_data(HEARTBEAT_KEY, payload)


def last_heartbeat() -> dict | None:
    from huey.constants import EmptyData

    try:
        raw = _huey().storage.peek_data(HEARTBEAT_KEY)
    except Exception:  # the queue's store is down: no heartbeat can be read
        return None
    if raw is EmptyData or not raw:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return None


def worker_heartbeat_age() -> float | None:
    last = last_heartbeat()
    return None if last is None else max(0.0, time.time() - float(last["at"]))


def queue_depth() -> int | None:
    huey = _huey()
    if getattr(huey, "immediate", False):
        return 0
    try:
        return int(huey.pending_count())
    except Exception:  # the queue's store is down
        return None


def start_heartbeat(stop: threading.Event) -> threading.Thread:
    def run() -> None:
        while not stop.is_set():
            # A lost Redis: try again next beat; the probes say so meanwhile.
            with contextlib.suppress(Exception):
                beat()
            stop.wait(settings.WORKER_HEARTBEAT_SECONDS)

    thread = threading.Thread(target=run, name="worker-heartbeat", daemon=True)
    thread.start()
    return thread


def die_with_parent_signal() -> None:
    """In a child about to start: have the kernel send SIGTERM when its parent dies (Linux;
    kept across exec). Used as ``preexec_fn``, so it holds from the child's first instruction."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def die_with_parent(parent_pid: int) -> None:
    """Also watch the parent from inside, for the platforms and races the kernel's signal does
    not cover (a parent that died before the child could ask)."""
    die_with_parent_signal()
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
