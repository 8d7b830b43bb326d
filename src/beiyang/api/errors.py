"""The one place where errors become HTTP responses: ``{code, message, message_en, field?}``."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.decorators import sync_only_middleware
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from beiyang.core.errors import DomainError
from beiyang.core.http import json_error

logger = logging.getLogger(__name__)

# Pydantic error types in plain words, for the message a founder reads.
_PYDANTIC_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "date_parsing": "日期格式应为YYYY-MM-DD",
    "datetime_parsing": "时间格式应为ISO 8601",
    "datetime_from_date_parsing": "时间格式应为ISO 8601",
    "string_type": "应为字符串",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "json_invalid": "不是合法的JSON",
}


# Errors that always answer the same: status, code, Chinese and English message.
FIXED_ERRORS: dict[type[Exception], tuple[int, str, str, str]] = {
    AuthenticationError: (
        401,
        "authentication_required",
        "请先登录或提供有效的令牌",
        "Sign in or send a valid token",
    ),
    AuthorizationError: (403, "forbidden", "没有权限执行此操作", "You may not do this"),
    RequestDataTooBig: (413, "payload_too_large", "请求内容过大", "The request body is too large"),
    # No boundary, an oversized part header, a truncated body: the client's fault.
    MultiPartParserError: (
        400,
        "malformed_body",
        "上传内容格式不正确(multipart)",
        "The upload is not well-formed multipart/form-data",
    ),
    # Too many fields or files, a path outside its folder: refused, never a 500.
    SuspiciousOperation: (400, "bad_request", "请求无效", "Bad request"),
    Http404: (404, "not_found", "未找到", "Not found"),
}


def _field_of(loc: list | tuple) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "header", "form", "data")]
    return ".".join(parts) or None


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    message_en: str,
    field: str | None = None,
    **extra,
) -> HttpResponse:
    body = {"code": code, "message": message, "message_en": message_en}
    if field:
        body["field"] = field
    body.update(extra)
    return api.create_response(request, body, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal (``CSRF_FAILURE_VIEW``): the API's JSON error under /api/, Django's
    own page elsewhere. The API's views are exempt and check CSRF themselves for a signed-in
    session; this is for anything under /api/ that is not one of them."""
    if request.path_info.startswith("/api/"):
        return json_error(
            403,
            "csrf_failed",
            "页面已过期或来源不明(CSRF 校验失败),请刷新页面后重试",
            "CSRF check failed: reload the page and try again",
        )
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)


@sync_only_middleware
class ApiErrorShapeMiddleware:
    """Under /api/, Django's and django-ninja's own 404 (no such route) and 405 (plain text,
    from the route's dispatcher) become the API's JSON errors; pages keep their HTML."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in (404, 405)
            and request.path_info.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            if response.status_code == 404:
                return json_error(404, *FIXED_ERRORS[Http404][1:])
            shaped = json_error(
                405,
                "method_not_allowed",
                f"此地址不支持 {request.method} 方法",
                f"{request.method} is not allowed here",
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = []
        for err in exc.errors:
            field = _field_of(err.get("loc", ()))
            kind = err.get("type", "")
            zh = _PYDANTIC_ZH.get(kind, "取值无效")
            errors.append(
                {
                    "field": field,
                    "code": kind,
                    "message": f"{field}: {zh}" if field else zh,
                    "message_en": f"{field}: {err.get('msg', 'invalid')}" if field else err.get("msg", ""),
                }
            )
        first = (
            errors[0] if errors else {"field": None, "message": "请求无效", "message_en": "Invalid request"}
        )
        return error_response(
            api,
            request,
            422,
            "validation_error",
            first["message"],
            first["message_en"],
            first["field"],
            errors=errors,
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, RequestDataTooBig):
            return error_response(api, request, *FIXED_ERRORS[RequestDataTooBig])
        if exc.status_code == 400:
            return error_response(
                api,
                request,
                400,
                "malformed_body",
                "请求内容不是合法的JSON",
                "The request body is not valid JSON",
            )
        return error_response(api, request, exc.status_code, "http_error", str(exc), str(exc))

    for exc_class, answer in FIXED_ERRORS.items():
        api.add_exception_handler(
            exc_class, lambda request, exc, answer=answer: error_response(api, request, *answer)
        )

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        # A bug: log it in full, tell the caller nothing about our internals.
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(
            api,
            request,
            500,
            "server_error",
            "服务暂时出现问题,请稍后再试",
            "Something went wrong on our side; please try again later",
        )
