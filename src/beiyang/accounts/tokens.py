"""Secrets that are shown once and stored as SHA-256 digests (tokens carry 256 bits of
entropy, so a fast digest is safe here, unlike for passwords)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings


def new_secret(kind: str) -> tuple[str, str, str]:
    """Return (raw, prefix, digest) for a new token; kind is 'byt' (founder) or 'byp' (provider)."""
    body = secrets.token_urlsafe(32)
    raw = f"{kind}_{body}"
    return raw, body[:8], digest(raw)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def code_digest(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()
