"""A request id on every log line and response, one access line per request, JSON logs.

The id comes from the proxy's ``X-Request-ID`` when it looks like one (so a request can be
followed from nginx to the application), else a new one; it is kept in a context variable that
a logging filter copies onto every record made while the request runs, in whichever thread.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid

from django.utils.decorators import sync_only_middleware

from beiyang.core.ratelimit import client_ip

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
access_log = logging.getLogger("beiyang.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id and any extras."""

    RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in record.__dict__.items():
            if key not in self.RESERVED and key not in body:
                body[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


def route_of(request) -> str:
    """The URL pattern that served the request (bounded label set for metrics), not the path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.route or match.view_name or "unmatched"


@sync_only_middleware
class RequestIdMiddleware:
    """Outermost: names the request, logs it once when it ends, and counts it for /metrics."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        request.request_id = request_id
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            elapsed = time.perf_counter() - started
        try:
            response["X-Request-ID"] = request_id
            route = route_of(request)
            # Logging loads this module before the app registry is ready; metrics reads models.
            from beiyang.ops.metrics import observe_request

            observe_request(request.method, route, response.status_code, elapsed)
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                elapsed * 1000,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "client": client_ip(request),
                    "user_id": getattr(user, "pk", None)
                    if getattr(user, "is_authenticated", False)
                    else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)
