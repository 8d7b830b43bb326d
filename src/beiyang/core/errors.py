"""Domain errors: a stable code, a Chinese and an English message, the field at fault.

Delivery code never builds HTTP errors itself; the API maps these once
(``beiyang.api.errors``) and pages show ``message`` or ``message_en`` by language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        message_en: str,
        *,
        field: str | None = None,
        code: str | None = None,
        status: int | None = None,
        extra: dict[Any, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.field = field
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}

    def as_dict(self) -> dict[Any, Any]:
        body = {"code": self.code, "message": self.message, "message_en": self.message_en}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body

    def localized(self) -> str:
        # Imported here so that pure modules (identifiers, the benefits engine) stay Django-free.
        from django.utils.translation import get_language

        return self.message_en if (get_language() or "").startswith("en") else self.message

    def __str__(self) -> str:
        return f"{self.code}: {self.message_en}"


class InvalidInput(DomainError):
    status = 400
    code = "invalid"


class AuthenticationRequired(DomainError):
    status = 401
    code = "authentication_required"

    def __init__(
        self, message: str = "请先登录", message_en: str = "Authentication required", **kw: Any
    ) -> None:
        super().__init__(message, message_en, **kw)


class AccessDenied(DomainError):
    status = 403
    code = "forbidden"

    def __init__(
        self, message: str = "没有权限执行此操作", message_en: str = "You may not do this", **kw: Any
    ) -> None:
        super().__init__(message, message_en, **kw)


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "未找到", message_en: str = "Not found", **kw: Any) -> None:
        super().__init__(message, message_en, **kw)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
