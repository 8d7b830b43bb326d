"""Helpers for benchmarks: timing, tables, results in var/bench/*.json."""

from __future__ import annotations

import asyncio
import json
import platform
import socket
import statistics
import subprocess
import sys
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


def wait_until_serving(base: str, seconds: float = 30) -> bool:
    """True once ``base``/healthz answers 200, False if it has not within ``seconds``."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False


class UvicornServer:
    """The project served by uvicorn on a port of this machine, started and waited for; used by
    the benchmarks and by the tests that need streaming or several processes."""

    def __init__(
        self,
        env: dict[str, str],
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
        app: str = "beiyang.asgi:application",
    ) -> None:
        port = port or free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
                *extra_args,
            ],
            env=env,
        )
        # Start-up imports Django and the API: on a loaded machine that alone has taken 30 s.
        if not wait_until_serving(self.base, 120):
            self.stop()
            raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def burst(base: str, requests: list[tuple], in_flight: int) -> tuple[float, list]:
    """Send the requests over ``in_flight`` keep-alive connections, in list order (a lean
    HTTP/1.1 client: httpx's pool costs more than the server under hundreds of connections).
    A request is ``(method, path, headers)`` or ``(method, path, headers, body bytes)``."""
    host, port = base.removeprefix("http://").split(":")
    results: list = [None] * len(requests)
    queue: asyncio.Queue = asyncio.Queue()
    for item in enumerate(requests):
        queue.put_nowait(item)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while True:
                try:
                    i, (method, path, headers, *body) = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                payload = body[0] if body else b""
                writer.write(
                    f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(payload)}\r\n"
                    f"{head}\r\n".encode()
                    + payload
                )
                await writer.drain()
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                status = int(status_line.split()[1])
                results[i] = (status, json.loads(body) if body and status < 500 else None)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(in_flight, len(requests)))))
    return time.perf_counter() - started, results
