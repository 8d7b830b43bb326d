"""``beiyang run``: the server and its job worker start together and stop together."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from beiyang.bench.common import free_port, wait_until_serving


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone for our purposes
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def _production_env(tmp_path) -> dict[str, str]:
    """The production settings (not the suite's), with a real job queue in ``tmp_path``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {"BEIYANG_VAR_DIR": str(tmp_path), "DEBUG": "0", "HUEY_IMMEDIATE": "0", "PYTHONUNBUFFERED": "1"}
    )
    return env


def test_sigterm_stops_the_server_and_its_job_worker(tmp_path):
    port = free_port()
    env = _production_env(tmp_path)
    run = subprocess.Popen(
        [sys.executable, "-m", "beiyang.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = None
    try:
        seen = []
        while not (seen and "job worker started" in seen[-1]) and len(seen) < 50:
            seen.append(run.stdout.readline())  # system check warnings may come first
        assert "job worker started" in seen[-1], seen
        worker = int(seen[-1].rsplit("pid ", 1)[1].rstrip(")\n"))
        assert wait_until_serving(f"http://127.0.0.1:{port}")
        assert _alive(worker)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the job worker outlived the server"
    finally:
        if run.poll() is None:
            run.kill()
        if worker and _alive(worker):
            os.kill(worker, signal.SIGKILL)


def _start(tmp_path, *args, extra_env=None):
    port = free_port()
    env = _production_env(tmp_path)
    env.update(extra_env or {})
    run = subprocess.Popen(
        [sys.executable, "-m", "beiyang.cli", "run", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    while not (seen and "job worker started" in seen[-1]) and len(seen) < 50 and run.poll() is None:
        seen.append(run.stdout.readline())
    return run, port, seen


def _keep_reading(run) -> list[str]:
    """Read the server's output from now on: a pipe nobody reads fills up (64 KB of request logs)
    and the server then blocks writing its next line, which a probe sees as a timeout."""
    lines: list[str] = []

    def read():
        for line in run.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_a_killed_server_leaves_no_orphan_worker(tmp_path):
    """kill -9 of the server: the kernel ends its job worker too (no second consumer after a restart)."""
    run, port, seen = _start(tmp_path)
    worker = int(seen[-1].rsplit("pid ", 1)[1].rstrip(")\n"))
    try:
        assert wait_until_serving(f"http://127.0.0.1:{port}")
        assert _alive(worker)
        run.kill()
        run.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the job worker outlived a killed server"
    finally:
        if run.poll() is None:
            run.kill()
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


@pytest.mark.backend("redis")
def test_a_killed_server_takes_its_server_children_along_and_frees_the_port(tmp_path):
    """kill -9 of ``beiyang run --workers 2``: its uvicorn children end too, and a new server can
    take the port at once."""
    import httpx

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    run, port, _seen = _start(tmp_path, "--workers", "2", extra_env={"REDIS_URL": redis_url})
    _keep_reading(run)
    try:
        assert wait_until_serving(f"http://127.0.0.1:{port}", seconds=120)
        children = [int(p) for p in Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()]
        server_children = [p for p in children if "worker" not in Path(f"/proc/{p}/cmdline").read_text()]
        assert len(server_children) >= 2, children
        run.kill()
        run.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in server_children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in server_children), "server children outlived a killed server"
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if run.poll() is None:
            run.kill()


def test_several_processes_without_redis_are_refused(tmp_path):
    run, _, seen = _start(tmp_path, "--workers", "2")
    out = "".join(seen) + run.communicate(timeout=60)[0]
    assert run.returncode != 0
    assert "REDIS_URL" in out and "多个服务进程需要 Redis" in out


def test_statusz_follows_the_worker_heartbeat_and_readyz_does_not(tmp_path):
    import httpx

    # The town's status reads the outbox: a migrated database.
    migrated = subprocess.run(
        [sys.executable, "-m", "beiyang.cli", "migrate", "--noinput"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    run, port, seen = _start(
        tmp_path, extra_env={"WORKER_HEARTBEAT_SECONDS": "0.5", "WORKER_STALE_SECONDS": "3"}
    )
    worker = int(seen[-1].rsplit("pid ", 1)[1].rstrip(")\n"))
    _keep_reading(run)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(base)
        deadline = time.monotonic() + 30
        status = httpx.get(f"{base}/statusz", timeout=30)
        while status.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.3)
            status = httpx.get(f"{base}/statusz", timeout=30)
        assert status.status_code == 200, status.text
        assert status.json()["worker"]["ok"] and status.json()["queue"]["ok"]
        assert status.headers["X-Request-ID"]
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while status.status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            status = httpx.get(f"{base}/statusz", timeout=30)
        assert status.status_code == 503 and not status.json()["worker"]["ok"]
        # The worker is the town's, not this process's: the balancer keeps sending requests.
        assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200
        metrics = httpx.get(f"{base}/metrics")
        assert metrics.status_code == 200
        assert 'beiyang_http_requests_total{method="GET",route="statusz",status="503"}' in metrics.text
        assert "beiyang_worker_heartbeat_age_seconds" in metrics.text
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(timeout=30)
        except subprocess.TimeoutExpired:
            run.kill()


def test_the_clients_own_address_comes_through_a_trusted_proxy_only(tmp_path):
    """Behind a balancer on another machine (FORWARDED_ALLOW_IPS), each request counts for the
    founder's address, not the balancer's; an untrusted X-Forwarded-For is ignored."""
    import json

    import httpx

    run, port, _seen = _start(tmp_path, extra_env={"LOG_FORMAT": "json", "FORWARDED_ALLOW_IPS": "127.0.0.1"})
    lines = _keep_reading(run)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(base, seconds=120)
        httpx.get(
            f"{base}/healthz", headers={"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "fwd-00000001"}
        )
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=30)
    untrusted, port2, _ = _start(
        tmp_path, extra_env={"LOG_FORMAT": "json", "FORWARDED_ALLOW_IPS": "10.9.9.9"}
    )
    lines2 = _keep_reading(untrusted)
    try:
        assert wait_until_serving(f"http://127.0.0.1:{port2}", seconds=120)
        httpx.get(
            f"http://127.0.0.1:{port2}/healthz",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "fwd-00000002"},
        )
    finally:
        untrusted.send_signal(signal.SIGTERM)
        untrusted.wait(timeout=30)

    def client_of(seen: list[str], request_id: str) -> str:
        for line in seen:
            if request_id in line and line.lstrip().startswith("{"):
                return json.loads(line)["client"]
        raise AssertionError(f"no access line for {request_id}: {seen[-5:]}")

    assert client_of(lines, "fwd-00000001") == "203.0.113.7"
    assert client_of(lines2, "fwd-00000002") == "127.0.0.1"
