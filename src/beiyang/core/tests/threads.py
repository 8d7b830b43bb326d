"""Helpers for tests with threads: start them at the same moment, wait for what they do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


def at_once(count: int, target: Callable[[], Any]) -> list[Any]:
    """``target()`` in ``count`` threads started together; what each returned."""
    barrier = threading.Barrier(count)
    results: list[Any] = []

    def run() -> None:
        from django.db import connection

        try:
            barrier.wait(timeout=10)
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """True as soon as ``condition()`` holds (polled), False if it has not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False
