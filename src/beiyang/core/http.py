"""The API's error shape for responses made outside django-ninja (the event stream, middleware).

On the ground floor so that an app's own streaming view answers in the API's shape without
importing the API floor above it."""

from __future__ import annotations

from django.http import JsonResponse


def json_error(
    status: int, code: str, message: str, message_en: str, field: str | None = None
) -> JsonResponse:
    """The error shape for responses made outside django-ninja (the stream, the middleware)."""
    body = {"code": code, "message": message, "message_en": message_en}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
