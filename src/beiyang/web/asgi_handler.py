"""Django's ASGI handler with the middleware chain loaded in sync mode: one thread hop a request.

Measured against Django's ``ASGIHandler`` side by side (``beiyang bench events --quick``, the
"one part" pairs, each on a fresh server, 400 founders; two runs on a machine at load 10-13):
registrations/s as a share of plain ``GET /healthz``/s on the same server, 0.685 and 0.673 with
this handler, 0.415 and 0.634 with Django's (``ASGI_SYNC_CHAIN=0``); the absolute rates swung
with the machine (101 vs 53/s, then 72 vs 95/s). It overrides ``load_middleware``: re-measure
on upgrades.

Django's own handler loads the chain for async and adapts at every sync/async boundary. Our
middleware is sync, so a request went from the event loop to a thread for the middleware,
back to the loop for ``_get_response_async`` (``AsyncToSync``), to the thread again for the
view and ``process_view`` methods, and back: four crossings, each waiting its turn for the
GIL behind every other request's. Here the whole chain, view included, runs in the request's
thread, entered once. Async views (the message stream) still run on the event loop, adapted
by Django's sync ``_get_response``; what they return is streamed by the handler as before.

``freeze_startup_heap``: under load the collector made a full pass or two a second, each
walking every object the process had loaded (Django, the API's schemas, the policy pack):
measured with ``gc.callbacks``, a fifth of the server's time in a registration rush. Frozen after start-up, those
objects are left out of every pass, as Instagram does before forking its Django workers.

``beiyang bench events`` serves with and without both, side by side in one run.
"""

from __future__ import annotations

import gc

from asgiref.sync import sync_to_async
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.asgi import ASGIHandler
from django.http import Http404
from django.urls import get_resolver


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


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
