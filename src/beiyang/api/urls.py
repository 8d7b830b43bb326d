"""The NinjaAPI: mounts every app's router under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from ninja import NinjaAPI

from beiyang.accounts.api import router as accounts_router
from beiyang.agent.api import router as agent_router
from beiyang.api.errors import install_error_handlers
from beiyang.applications.api import router as applications_router
from beiyang.companies.api import router as companies_router
from beiyang.competitions.api import router as competitions_router
from beiyang.core.schemas import ErrorOut, ValidationErrorOut
from beiyang.dashboard.api import router as dashboard_router
from beiyang.events.api import router as events_router
from beiyang.internships.api import router as internships_router
from beiyang.matching.api import router as matching_router
from beiyang.notifications.api import router as notifications_router
from beiyang.policies.api import router as policies_router
from beiyang.service.api import router as service_router
from beiyang.vouchers.api import router as vouchers_router

REF = "#/components/schemas/{model}"


def _json(description: str, name: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=name)}}},
    }


def _json_schema_bounds(schema: dict) -> None:
    # django-ninja writes an annotated path parameter's bounds under pydantic's names (ge, le):
    # JSON Schema's minimum/maximum let clients and schemathesis see them.
    for ours, theirs in (
        ("ge", "minimum"),
        ("le", "maximum"),
        ("gt", "exclusiveMinimum"),
        ("lt", "exclusiveMaximum"),
    ):
        if ours in schema:
            schema[theirs] = schema.pop(ours)


class BeiyangAPI(NinjaAPI):
    """The errors every operation can give are in the OpenAPI document, not only the ones each
    route lists: 401 where a credential is needed, 422 where there is input to validate."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut, ValidationErrorOut):
            definition = model.model_json_schema(ref_template=REF)
            components.update(definition.pop("$defs", {}))
            components[model.__name__] = definition
        for item in schema["paths"].values():
            for op in item.values():
                for parameter in op.get("parameters", []):
                    _json_schema_bounds(parameter["schema"])
                responses = op.setdefault("responses", {})
                if op.get("security"):
                    responses.setdefault("401", _json("Authentication required", "ErrorOut"))
                if op.get("parameters") or op.get("requestBody"):
                    responses["422"] = _json("Validation error", "ValidationErrorOut")
        return schema


def _read_only_document(view):
    """The OpenAPI document and its page are read, never written: any other method is the API's
    JSON 405 (not Django's HTML CSRF page, which a POST without a cookie met first)."""
    return csrf_exempt(require_safe(view))


api = BeiyangAPI(
    title="Beiyang 北杨 API",
    docs_decorator=_read_only_document,
    version="1",
    description="北杨人工智能创新小镇创业者服务平台 API · Founder services of the Beiyang AI Innovation Town",
    urls_namespace="api",
)
install_error_handlers(api)


def _mount() -> None:

    api.add_router("", accounts_router)
    api.add_router("", agent_router)
    api.add_router("", applications_router)
    api.add_router("", companies_router)
    api.add_router("", competitions_router)
    api.add_router("", internships_router)
    api.add_router("", dashboard_router)
    api.add_router("", matching_router)
    api.add_router("", events_router)
    api.add_router("", notifications_router)
    api.add_router("", policies_router)
    api.add_router("", service_router)
    api.add_router("", vouchers_router)


_mount()
