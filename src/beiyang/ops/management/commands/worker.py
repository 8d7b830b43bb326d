"""The job worker: Huey's consumer with a heartbeat, optionally tied to a parent process."""

from __future__ import annotations

import threading

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey

from beiyang.notifications import senders
from beiyang.ops.checks import refuse_unsafe_start
from beiyang.ops.worker import die_with_parent, start_heartbeat


class Command(RunHuey):
    help = "Run the background-job worker / 运行后台任务进程"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--parent-pid", type=int, default=0, help="exit when this process (the server) is gone"
        )

    def handle(self, *args, **options):
        refuse_unsafe_start(self)
        parent = options.pop("parent_pid", 0)
        if parent:
            die_with_parent(parent)
        start_heartbeat(threading.Event())
        senders.start_pool()
        try:
            return super().handle(*args, **options)
        finally:
            senders.stop_pool()
