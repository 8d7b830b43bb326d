"""Fault drills: a part of the system fails mid-traffic and the tests check what the town still
gets. Each drill kills only what it started (its own redis-server) or its own database's
backends."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest
import redis

from beiyang.bench.common import free_port


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` fails, except under ``CI=true``, where a drill that cannot run is
    a failure: CI provides every tool."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and the drill cannot run: {reason}")
    pytest.skip(reason)


class RedisServer:
    """A redis-server of the drill's own, without persistence, that it may kill and restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the drill's redis-server did not start")

    def kill(self) -> None:
        """kill -9: whatever it held in memory is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def redis_server():
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.kill()
