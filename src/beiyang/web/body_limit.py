"""An ASGI wrapper that refuses a request body over the cap before the server reads it.

Django's ASGI handler reads the whole body into a temporary file before any view or upload
handler runs, so a 45 MB upload would be received in full only to be refused. Here a declared
``Content-Length`` over the cap is answered at once, unread, and a body sent without one (chunked)
is cut off as soon as it passes the cap. The answer is the API's error shape."""

from __future__ import annotations

import json
from typing import Any

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.application = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _UNSAFE:
            await self.application(scope, receive, send)
            return
        declared = next((v for k, v in scope.get("headers") or () if k.lower() == b"content-length"), None)
        if declared is not None:
            if not declared.strip().isdigit() or int(declared) > self.limit:
                await self._refuse(send)
                return
            # The server holds the client to the length it declared: nothing more to count.
            await self.application(scope, receive, send)
            return
        received = 0
        cut = False

        async def capped_receive():
            nonlocal received, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body") or b"")
                if received > self.limit:
                    # Django takes this as the client leaving and answers nothing; we do.
                    cut = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not cut:
                await send(message)

        await self.application(scope, capped_receive, guarded_send)
        if cut:
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        limit_mb = self.limit // (1024 * 1024)
        body = json.dumps(
            {
                "code": "payload_too_large",
                "message": f"请求内容过大,上限约{limit_mb}MB" if limit_mb else "请求内容过大",
                "message_en": "The request body is too large",
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
