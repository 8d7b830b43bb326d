import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beiyang.settings")

import django
from django.conf import settings

django.setup(set_prefix=False)

from beiyang.ops.worker import die_with_parent  # noqa: E402  (after setup)

# A server child (``beiyang run --workers N``) ends with the server that started it, even one
# killed with -9: left serving, the children keep the port and the next start finds it taken.
_server_pid = int(os.environ.get("BEIYANG_SERVER_PID", "0") or 0)
if _server_pid and _server_pid != os.getpid():
    die_with_parent(_server_pid)

from django.core.handlers.asgi import ASGIHandler  # noqa: E402  (after setup)

from beiyang.web.asgi_handler import (  # noqa: E402
    StaticFilesHandler,
    SyncChainASGIHandler,
    freeze_startup_heap,
)

application = SyncChainASGIHandler() if settings.ASGI_SYNC_CHAIN else ASGIHandler()

from beiyang.core.uploads import request_cap  # noqa: E402
from beiyang.web.body_limit import BodyLimit  # noqa: E402

# Bodies over the largest upload (with its form) are refused before they are read.
application = BodyLimit(application, limit=max(request_cap(), settings.DATA_UPLOAD_MAX_MEMORY_SIZE))

if settings.SERVE_STATIC:
    application = StaticFilesHandler(application)

if settings.GC_FREEZE_AT_START:
    freeze_startup_heap()
