"""Absolute links, all from ``SITE_URL``: what a founder's phone, mail client or calendar app
opens must be the town's public address, never the address a request happened to arrive on
(a probe on 127.0.0.1, a proxy's upstream) nor a development default."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """``SITE_URL`` + ``path`` (a path from the site's root, e.g. ``/events/3/``)."""
    if path.startswith(("https://", "http://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")
