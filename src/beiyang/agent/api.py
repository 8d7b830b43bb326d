from __future__ import annotations

from ninja import Router
from ninja.utils import check_csrf

from beiyang.accounts.auth import TokenAuth
from beiyang.agent import actions
from beiyang.agent.schemas import AgentOut, MessageIn
from beiyang.core.errors import AccessDenied
from beiyang.core.ratelimit import client_ip
from beiyang.core.schemas import ErrorOut

router = Router(tags=["agent"])


class OptionalUser(TokenAuth):
    """Visitors may ask too: a missing or bad token means anonymous, not 401. A signed-in
    portal session counts only with its CSRF token: the agent acts (registers, applies) on the
    founder's confirmation, which another site must not be able to post."""

    def __call__(self, request):
        result = super().__call__(request)
        user = getattr(request, "user", None)
        if result is None and user is not None and user.is_authenticated:
            if check_csrf(request) is not None:
                raise AccessDenied(
                    "页面已过期,请刷新后重试",
                    "The page has expired (CSRF check failed); reload it and try again",
                    code="csrf_failed",
                )
            return user
        return result or "anonymous"


@router.post(
    "/agent/messages",
    response={200: AgentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=OptionalUser(),
)
def message(request, body: MessageIn):
    user = request.auth if request.auth != "anonymous" else None
    ip = client_ip(request)
    return actions.do_agent_turn(
        user,
        body.text,
        conversation_id=body.conversation_id,
        rate_key=f"user:{user.pk}" if user else f"ip:{ip}",
        address=ip,
    )
