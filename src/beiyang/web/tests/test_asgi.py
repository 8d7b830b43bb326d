"""The ASGI entry point: Django's handler behind the body limit and the static files."""

import asyncio
from urllib.parse import unquote

from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler


def asgi_get(app, path: str) -> tuple[dict, dict]:
    """One GET through ``app``; ``path`` as sent on the wire, percent-escapes decoded as uvicorn does."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def run():
        communicator = ApplicationCommunicator(app, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(60)
        body = await communicator.receive_output(60)
        await communicator.wait(60)
        return start, body

    return asyncio.run(run())


def test_a_request_goes_through_the_chain_and_back():
    handler = ASGIHandler()
    start, body = asgi_get(handler, "/healthz")
    assert start["status"] == 200
    assert dict(start["headers"])[b"Server-Timing"].startswith(b"app;dur=")  # the chain ran
    assert body["body"] == b'{"status": "ok"}'


def test_the_project_serves_through_it(settings):
    from beiyang import asgi
    from beiyang.web.asgi_handler import StaticFilesHandler
    from beiyang.web.body_limit import BodyLimit

    app = asgi.application
    assert settings.SERVE_STATIC  # the default this test is about
    # One known wrapper, checked by type, then the handler itself: no walk that could only
    # stop where the check already holds.
    assert isinstance(app, StaticFilesHandler)
    assert isinstance(app.application, BodyLimit)  # uploads capped before they are read
    assert isinstance(app.application.application, ASGIHandler)
