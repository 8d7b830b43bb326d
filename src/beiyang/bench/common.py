"""Helpers for benchmarks: timing, tables, results in var/bench/*.json."""

from __future__ import annotations

import json
import platform
import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings


def bench_dir() -> Path:
    path = Path(settings.VAR_DIR) / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def per_call(fn: Callable[[], Any], calls: int, rounds: int = 5) -> float:
    """Seconds per call: the median over ``rounds`` of ``calls`` back-to-back calls."""
    fn()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - started) / calls)
    return statistics.median(samples)


def table(title: str, rows: list[tuple[str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [title, "-" * len(title)]
    lines += [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c}" for a, b, c in rows]
    return "\n".join(lines)


def save(name: str, data: dict[str, Any]) -> Path:
    data = {
        **data,
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    path = bench_dir() / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
