"""API authentication: founder bearer tokens, the portal's session, provider API keys."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from ninja.utils import check_csrf

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


class PortalSessionAuth(SessionAuth):
    """The portal's own pages call the API with their session cookie (CSRF-checked).

    Without a signed-in session there is nothing a forged request could ride on, so the CSRF
    check is skipped and the caller gets the API's 401, not django-ninja's untranslated
    "CSRF check Failed" 403; with one, a request lacking the page's token is the API's 403.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise AccessDenied(
                "页面已过期或来源不明(CSRF 校验失败),请刷新页面后重试",
                "CSRF check failed: reload the page and try again",
                code="csrf_failed",
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


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
