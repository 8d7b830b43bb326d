from __future__ import annotations

from ninja import Router
from ninja.utils import check_csrf

from beiyang.accounts.auth import TokenAuth, founder_auth
from beiyang.accounts.roles import has_role
from beiyang.agent import actions, queries
from beiyang.agent.schemas import AgentOut, MessageIn, ReplyIn
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
    )


@router.get("/staff/agent/tickets", response={200: list[dict], 403: ErrorOut}, auth=founder_auth)
def tickets(request):
    if not has_role(request.auth, "reviewer", "event_manager", "voucher_officer"):
        raise AccessDenied("仅工作人员可以查看", "Staff only")
    return [
        {
            "id": t.pk,
            "conversation_id": str(t.conversation_id),
            "reason": t.reason,
            "created_at": t.created_at,
            "founder": t.conversation.user.phone if t.conversation.user else None,
            "transcript": [{"role": x.role, "text": x.text} for x in t.conversation.turns.all()[:50]],
        }
        for t in queries.open_tickets()[:100]
    ]


@router.post(
    "/staff/agent/tickets/{ticket_id}/reply",
    response={200: dict, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=founder_auth,
)
def reply(request, ticket_id: int, body: ReplyIn):
    ticket = actions.check_staff_reply(request.auth, ticket_id, body.text)
    return {"ticket_id": ticket.pk, "status": ticket.status}


@router.post(
    "/staff/agent/tickets/{ticket_id}/close",
    response={200: dict, 403: ErrorOut, 404: ErrorOut},
    auth=founder_auth,
)
def close(request, ticket_id: int):
    ticket = actions.check_close_ticket(request.auth, ticket_id)
    return {"ticket_id": ticket.pk, "status": ticket.status}
