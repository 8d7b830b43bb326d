"""API authentication: founder bearer tokens, the portal's session, provider API keys."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from beiyang.accounts.actions import authenticate_provider_key, authenticate_token
from beiyang.core.errors import AccessDenied


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest):
        # Every founder call passes here: read the one header from META rather than have
        # ``request.headers`` copy all of them into a case-insensitive mapping first.
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str):
        if not token or len(token) > 200:
            return None
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


def _no_view(request: HttpRequest) -> HttpResponse:
    return HttpResponseForbidden()


def csrf_refused(request: HttpRequest) -> bool:
    """Django's own CSRF check (its middleware's public hooks), as the middleware would make
    it for a view that is not exempt: True when the request lacks the page's token."""
    check = CsrfViewMiddleware(_no_view)
    request.csrf_processing_done = False  # type: ignore[attr-defined]  # checked here, once more
    check.process_request(request)
    return check.process_view(request, _no_view, (), {}) is not None


class PortalSessionAuth(SessionAuth):
    """The portal's own pages call the API with their session cookie (CSRF-checked).

    Without a signed-in session there is nothing a forged request could ride on, so the CSRF
    check is skipped and the caller gets the API's 401, not django-ninja's untranslated
    "CSRF check Failed" 403; with one, a request lacking the page's token is the API's 403.
    Built on django-ninja's public hooks only: ``csrf=False`` turns its own check off, and
    ``__call__`` (what every ninja auth is) makes ours.
    """

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if csrf_refused(request):
            raise AccessDenied(
                "页面已过期或来源不明(CSRF 校验失败),请刷新页面后重试",
                "CSRF check failed: reload the page and try again",
                code="csrf_failed",
            )
        return user


class ProviderKeyAuth(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key or len(key) > 200:
            return None
        provider = authenticate_provider_key(key)
        if provider is not None:
            request.provider = provider
        return provider


founder_auth = [TokenAuth(), PortalSessionAuth()]
provider_auth = [ProviderKeyAuth()]
