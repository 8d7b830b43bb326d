"""The agent's 转人工 is a service request, the one handover concept.

The agent opens it (``open_handover``) with the conversation's transcript and posts the
founder's later chat messages into its thread (``post_from_chat``); staff answer and close it
only as a service request, under the service permission rule (the company's officer, other
officers as ``visible_to`` says, town admins). What the officer writes also lands in the chat
(``into_chat``), and resolving the request gives the conversation back to the agent.

Visitors (not signed in) may open only so many a day from one address, and so many a day in
the whole town (``service.handover_visitor_*`` in the pack): each handover notifies every
officer, so an open endpoint must not be a way to page the team at will."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from beiyang.core.audit import log_action
from beiyang.core.errors import RateLimited
from beiyang.core.ratelimit import hit
from beiyang.service.actions.access import MAX_TEXT, clean_text
from beiyang.service.actions.clocks import resume_clock, service_params
from beiyang.service.actions.notices import tell_staff
from beiyang.service.actions.requests import create_request
from beiyang.service.models import LIVE, ServiceMessage, ServiceRequest
from beiyang.service.signals import handover_answered

DAY_SECONDS = 24 * 60 * 60
# Used when a published pack predates the parameters (another town's pack, an older version).
DEFAULT_VISITOR_LIMITS = {
    "service.handover_visitor_per_address_per_day": 3,
    "service.handover_visitor_per_day": 50,
}
SPEAKERS = {"founder": "创业者", "agent": "智能体", "staff": "工作人员"}


def visitor_limits() -> tuple[int, int]:
    """(handovers a day from one address, handovers a day from all visitors) in force."""
    params = {**DEFAULT_VISITOR_LIMITS, **service_params()}
    return (
        int(params["service.handover_visitor_per_address_per_day"]),
        int(params["service.handover_visitor_per_day"]),
    )


def _check_visitor_quota(address: str, conversation) -> None:
    per_address, per_town = visitor_limits()
    # A visitor with no address (a WeChat follower, whose conversation is their own) is counted
    # by their conversation, not in one bucket shared by every such visitor.
    who = f"address:{address}" if address else f"conversation:{conversation.pk}"
    # The address's count first: one noisy address must not use up the town's allowance. A
    # limit of 0 means no visitor handovers at all (``hit`` reads 0 as no limit).
    if (
        min(per_address, per_town) <= 0
        or not hit(f"handover:{who}", per_address, DAY_SECONDS)
        or not hit("handover:visitors", per_town, DAY_SECONDS)
    ):
        raise RateLimited(
            "今天转人工的次数已达上限。登录后可直接发起服务请求,或明天再试。",
            "Too many handovers today; sign in to open a service request, or try again tomorrow.",
            code="handover_limited",
        )


def live_handover(conversation) -> ServiceRequest | None:
    return ServiceRequest.objects.filter(conversation_id=conversation.pk, status__in=LIVE).first()


def open_handover(user, conversation, reason: str, *, address: str = "") -> ServiceRequest:
    """The agent's 转人工: a service request to the founder's company officer (a visitor's to
    the pool), the transcript as its first entry. One live
    request a conversation: asking again returns it. Runs inside the agent's turn (its own
    savepoint); raises ``RateLimited`` past a visitor's daily limits, nothing written then."""
    from beiyang.companies.queries import company_of

    with transaction.atomic():
        live = live_handover(conversation)
        if live is not None:
            return live
        person = user if getattr(user, "is_authenticated", False) else None
        if person is None:
            _check_visitor_quota(address, conversation)
        title = (reason or "").strip()[:60] or "智能体转人工"
        request = create_request(
            company=company_of(person) if person else None,
            requester=person,
            category="other",
            title=f"转人工:{title}",
            description=(reason or "")[:MAX_TEXT],
            source="agent",
            conversation=conversation,
        )
        transcript = "\n".join(
            f"{SPEAKERS.get(t.role, t.role)}:{t.text}" for t in conversation.turns.order_by("id")[:100]
        )
        ServiceMessage.objects.create(
            request=request, role="agent", text=f"对话记录:\n{transcript}\n创业者:{reason}"[:20_000]
        )
        return request


def post_from_chat(user, conversation, text: Any) -> ServiceMessage | None:
    """A message the founder writes in the chat while the team has it: into the request's
    thread, and a request waiting for the founder runs again. None when no request is live
    (the agent answers again). Runs inside the agent's turn."""
    text = clean_text(text, "text", required=True)
    with transaction.atomic():
        request = (
            ServiceRequest.objects.select_for_update()
            .filter(conversation_id=conversation.pk, status__in=LIVE)
            .order_by("pk")
            .first()
        )
        if request is None:
            return None
        person = user if getattr(user, "is_authenticated", False) else None
        message = ServiceMessage.objects.create(request=request, author=person, role="founder", text=text)
        was_waiting = request.status == "waiting_founder"
        if was_waiting:
            request.status = "in_progress"
            resume_clock(request, timezone.now())
        request.save()
        log_action(
            "service.request.message_added", actor=person, obj=request, message_id=message.pk, via="chat"
        )
        # A chat runs message after message (a visitor's too, up to the agent's rate): the officer
        # is paged by email or SMS only for the answer they asked for, else on the workbench.
        tell_staff(request, "founder_message", channels=was_waiting)
        return message


def into_chat(request: ServiceRequest, text: str, *, resolved: bool = False) -> None:
    """What the officer writes on a handover also lands in the founder's chat; resolving it
    gives the conversation back to the agent (``signals.handover_answered``, which the agent
    app hears). Runs inside the officer's transaction."""
    if request.conversation_id is None:
        return
    handover_answered.send(sender=ServiceRequest, request=request, text=text, resolved=resolved)
