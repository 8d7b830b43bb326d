"""Django's ASGI handler with the middleware chain loaded in sync mode: one thread hop a request.

Django's own handler loads the chain for async and adapts at every sync/async boundary. Our
middleware is sync, so a request went from the event loop to a thread for the middleware,
back to the loop for ``_get_response_async`` (``AsyncToSync``), to the thread again for the
view and ``process_view`` methods, and back: four crossings, each waiting its turn for the
GIL behind every other request's. Here the whole chain, view included, runs in the request's
thread, entered once. Async views (the message stream) still run on the event loop, adapted
by Django's sync ``_get_response``; what they return is streamed by the handler as before.

Measured with ``beiyang bench events`` (same machine, same run of the plain baseline):
GET /healthz went from about 500 to about 640 requests/s, the registration rush from about
260 to about 310 registrations/s.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
