from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.utils.cache import patch_cache_control
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


@sync_only_middleware
class SecurityHeadersMiddleware:
    """A Content-Security-Policy on the portal's pages, and ``Cache-Control: no-store`` on what
    the API answers a signed-in caller.

    The policy lets scripts run only from our own files or with this response's nonce
    (``request.csp_nonce``, ``{{ csp_nonce }}`` in templates): no inline handlers, no
    ``hx-on``, no ``eval`` (htmx runs with ``allowEval: false``). Styles may be inline, because
    the templates use ``style`` attributes; a style cannot run code. The API's own pages
    (``/api/v1/docs``, Swagger from a CDN) are left out of it; its JSON needs none.

    ``no-store``: an API answer for a signed-in caller (a token, a provider key or the portal's
    session) holds their data, and so do the portal's pages and the staff's exports (a page
    signed out still holds its form's CSRF token); neither the browser's cache nor a shared
    proxy may keep them. Static files are left to their own caching.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        api = request.path_info.startswith("/api/")
        if api and _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        elif not api and not request.path_info.startswith(settings.STATIC_URL):
            # Pages, their exports and feeds: a reader's data or a form's CSRF token.
            patch_cache_control(response, private=True, no_store=True)
        if not api and response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", CSP.format(nonce=request.csp_nonce))
        return response


CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _signed_in(request) -> bool:
    if request.META.get("HTTP_AUTHORIZATION") or request.META.get("HTTP_X_API_KEY"):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
