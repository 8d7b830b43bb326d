"""Helpers for tests with threads: start them at the same moment, wait for what they do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any


def all_at_once(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Each call in a thread of its own, all released at one moment, as requests reaching
    separate server workers together (the threads share nothing but the database). What each
    returned, or the exception it raised, in the order of ``calls``."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        from django.db import connection

        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:  # collected for the test to assert on
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def at_once(count: int, target: Callable[[], Any]) -> list[Any]:
    """``target()`` in ``count`` threads started together; what each returned (or raised)."""
    return all_at_once([target] * count)


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """True as soon as ``condition()`` holds (polled), False if it has not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False
