"""Serve the portal and API under uvicorn with exactly one Huey job worker beside it.

``--workers N`` serves N processes. They share nothing but the database unless Redis joins
them (message fan-out, token revocations, rate limits, the queue), so more than one without
``REDIS_URL`` is refused. The job worker is one process whatever N is; the kernel ends it
when this process dies, even by ``kill -9``, so a restart never finds a second consumer."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beiyang.ops.checks import refuse_unsafe_start
from beiyang.ops.worker import die_with_parent_signal


class Command(BaseCommand):
    help = "Serve Beiyang on HOST:PORT with one background-job worker / 启动服务与后台任务"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=None, help="uvicorn worker processes (default: WEB_WORKERS, 1)"
        )
        parser.add_argument("--no-jobs", action="store_true", help="do not start the job worker")

    def handle(self, *args, host: str, port: int, workers: int | None, no_jobs: bool, **options):
        import uvicorn

        workers = workers or settings.WEB_WORKERS
        refuse_unsafe_start(self, workers=workers)
        if not os.environ.get("SITE_URL"):
            # A laptop: links in calendars and messages point where this server listens. The
            # server processes and the job worker started below read it from the environment.
            os.environ["SITE_URL"] = settings.SITE_URL = f"http://{host}:{port}"
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                "多个服务进程需要 Redis(设置 REDIS_URL),否则消息推送、令牌吊销和限流在进程之间不一致。"
                " More than one server process needs REDIS_URL: without it, message fan-out, token"
                " revocation and rate limits are not shared between processes."
            )
        if workers > 1:
            # Request figures from every process, added up at /metrics.
            metrics_dir = settings.VAR_DIR / f"prometheus-{port}"  # one per instance (beiyang-web@PORT)
            shutil.rmtree(metrics_dir, ignore_errors=True)
            metrics_dir.mkdir(parents=True)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        worker = None
        if not no_jobs and not settings.HUEY.get("immediate"):
            # The kernel's "end me when my parent dies" is set in the child before it starts
            # Python, so a server killed while the worker is still importing takes it along too.
            worker = subprocess.Popen(
                [sys.executable, "-m", "beiyang.cli", "worker", "--quiet", "--parent-pid", str(os.getpid())],
                preexec_fn=die_with_parent_signal,
            )
            self.stdout.write(f"job worker started (pid {worker.pid})")
        self.stdout.write(
            self.style.SUCCESS(f"北杨 Beiyang: http://{host}:{port}/  (API docs: /api/v1/docs)")
        )
        # uvicorn shuts down gracefully on SIGTERM and then raises the signal again; with the
        # default action the process would die there, before the ``finally`` below stops the
        # job worker, and leave it running. As an exception it unwinds through ``finally``.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        # Read by ``beiyang.asgi`` in each server child: end with this process.
        os.environ["BEIYANG_SERVER_PID"] = str(os.getpid())
        try:
            uvicorn.run(
                "beiyang.asgi:application",
                host=host,
                port=port,
                workers=workers,
                lifespan="off",
                log_level="info",
                # Each request is logged once, with its id, by beiyang.ops.requestlog.
                access_log=False,
                timeout_graceful_shutdown=3,
                # The client's own address from the trusted proxies' X-Forwarded-For.
                proxy_headers=True,
                forwarded_allow_ips=settings.FORWARDED_ALLOW_IPS,
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
