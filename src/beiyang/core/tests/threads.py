"""Run a function in several threads released at the same moment, each on its own connection."""

from __future__ import annotations

import threading
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
