from __future__ import annotations

import time

from django.utils.decorators import sync_only_middleware


@sync_only_middleware
class ServerTimingMiddleware:
    """Adds ``Server-Timing: app;dur=…`` to every response.

    Innermost, so that it times the view. Sync-only, like the rest of the chain, which
    ``beiyang.web.asgi_handler`` runs in the request's thread in one go (under Django's own
    ASGI handler, every async-capable middleware method was a hop of its own: 36 hops, about
    5 ms, measured).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response
