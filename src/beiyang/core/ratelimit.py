"""Request limits by client address."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str:
    """The address the request came from. Behind a reverse proxy, uvicorn's
    ``--forwarded-allow-ips`` puts the client's address here, not the proxy's."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR") or ""
