"""What ``beiyang.asgi`` adds to Django's ASGI handler: a frozen start-up heap, and static files
that answer a climbing path with a 404.

``freeze_startup_heap``: under load the collector made a full pass or two a second, each
walking every object the process had loaded (Django, the API's schemas, the policy pack):
measured with ``gc.callbacks``, a fifth of the server's time in a registration rush. Frozen after
start-up, those objects are left out of every pass, as Instagram does before forking its Django
workers. ``beiyang bench events`` serves without it beside (``beiyang.bench.asgi_stock``).

A handler that loaded the middleware chain in sync mode (one thread hop a request, overriding
Django's ``load_middleware``) was kept here until 2026-12-07, when side by side with Django's
``ASGIHandler`` it did not win by 20% (docs/benchmarks.md) and was removed.
"""

from __future__ import annotations

import gc

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.urls import get_resolver


def freeze_startup_heap() -> None:
    """Load what the first requests would (every URLconf, view module and API schema), then
    move everything alive into the collector's permanent generation."""
    get_resolver().url_patterns  # noqa: B018  (imports the views and the API)
    gc.collect()
    gc.freeze()


class StaticFilesHandler(ASGIStaticFilesHandler):
    """Serves /static/ like Django's, but a path that climbs out of its folder
    (``/static/..%2f..%2fbeiyang.sqlite3``) is a plain 404, not an exception and a 500."""

    def serve(self, request):
        try:
            return super().serve(request)
        except SuspiciousOperation:
            raise Http404("no such static file") from None
