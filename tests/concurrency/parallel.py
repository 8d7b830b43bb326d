"""Run the same work in many threads released at one moment, as requests reaching separate
server workers together; threads share nothing but the database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def at_once(work: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """``work(item)`` for every item, all started together. Returns each result or the exception
    it raised, in completion order (the tests count outcomes, not who got which)."""
    from django.db import connection

    items = list(items)
    barrier = threading.Barrier(len(items))
    outcomes: list[Any] = []

    def run(item: Any) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(work(item))
        except Exception as exc:  # collected for the test to assert on
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes
