"""``beiyang run``: the server and its job worker start together and stop together."""

import os
import signal
import subprocess
import sys
import time

from beiyang.bench.common import free_port, wait_until_serving


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone for our purposes
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_sigterm_stops_the_server_and_its_job_worker(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {"BEIYANG_VAR_DIR": str(tmp_path), "DEBUG": "0", "HUEY_IMMEDIATE": "0", "PYTHONUNBUFFERED": "1"}
    )
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
