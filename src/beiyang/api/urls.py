"""The NinjaAPI: mounts every app's router under /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from beiyang.api.errors import install_error_handlers

api = NinjaAPI(
    title="Beiyang 北杨 API",
    version="1",
    description="北杨人工智能创新小镇创业者服务平台 API · Founder services of the Beiyang AI Innovation Town",
    urls_namespace="api",
)
install_error_handlers(api)


def _mount() -> None:
    from beiyang.accounts.api import router as accounts_router
    from beiyang.agent.api import router as agent_router
    from beiyang.applications.api import router as applications_router
    from beiyang.companies.api import router as companies_router
    from beiyang.competitions.api import router as competitions_router
    from beiyang.dashboard.api import router as dashboard_router
    from beiyang.events.api import router as events_router
    from beiyang.internships.api import router as internships_router
    from beiyang.matching.api import router as matching_router
    from beiyang.notifications.api import router as notifications_router
    from beiyang.policies.api import router as policies_router
    from beiyang.service.api import router as service_router
    from beiyang.vouchers.api import router as vouchers_router

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
