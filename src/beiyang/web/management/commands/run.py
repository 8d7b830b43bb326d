"""Serve the portal and API under uvicorn, with a Huey job worker beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Beiyang on HOST:PORT with one background-job worker / 启动服务与后台任务"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
        parser.add_argument("--no-jobs", action="store_true", help="do not start the job worker")

    def handle(self, *args, host: str, port: int, workers: int, no_jobs: bool, **options):
        import uvicorn

        worker = None
        if not no_jobs and not settings.HUEY.get("immediate"):
            worker = subprocess.Popen([sys.executable, "-m", "beiyang.cli", "run_huey", "--quiet"])
            self.stdout.write(f"job worker started (pid {worker.pid})")
        self.stdout.write(
            self.style.SUCCESS(f"北杨 Beiyang: http://{host}:{port}/  (API docs: /api/v1/docs)")
        )
        # uvicorn shuts down gracefully on SIGTERM and then raises the signal again; with the
        # default action the process would die there, before the ``finally`` below stops the
        # job worker, and leave it running. As an exception it unwinds through ``finally``.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        try:
            uvicorn.run(
                "beiyang.asgi:application",
                host=host,
                port=port,
                workers=workers,
                lifespan="off",
                log_level="info",
                timeout_graceful_shutdown=3,
            )
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()


def _exit_on_signal(signum: int, frame) -> None:
    raise SystemExit(128 + signum)
