"""The project served the way Django's stock ASGI setup serves it, for ``beiyang bench events``:
Django's ``ASGIHandler`` with no frozen start-up heap, and the same body limit and static files
as ``beiyang.asgi``. Benchmarks only: production has one way to serve."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beiyang.settings")

import django
from django.conf import settings

django.setup(set_prefix=False)

from django.core.handlers.asgi import ASGIHandler  # noqa: E402  (after setup)

from beiyang.core.uploads import request_cap  # noqa: E402
from beiyang.web.asgi_handler import StaticFilesHandler  # noqa: E402
from beiyang.web.body_limit import BodyLimit  # noqa: E402

application = BodyLimit(ASGIHandler(), limit=max(request_cap(), settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
if settings.SERVE_STATIC:
    application = StaticFilesHandler(application)
