"""API authentication: founder bearer tokens, the portal's session, provider API keys."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from beiyang.accounts.actions import authenticate_provider_key, authenticate_token


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
    """The portal's own pages call the API with their session cookie (CSRF-checked)."""

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
