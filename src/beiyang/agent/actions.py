"""One turn of the service agent: understand, keep the conversation's context, answer with
citations, and act only after the founder confirms. Every verdict and amount comes from the
benefits engine; every action goes through the owning app's action."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from beiyang.agent import dialogue, handlers
from beiyang.agent.handlers.common import bilingual_citations
from beiyang.agent.models import Conversation, HandoverTicket, Turn
from beiyang.core.audit import log_action
from beiyang.core.errors import AccessDenied, InvalidInput, NotFound, RateLimited
from beiyang.core.ratelimit import hit

MAX_CHARS = 1000
RATE_PER_MINUTE = 30


def _rate_limit(key: str) -> None:
    if not hit(f"agent:{key}", RATE_PER_MINUTE, 60):
        raise RateLimited(
            "消息太频繁了,请稍后再试", "Too many messages; try again in a minute", code="rate_limited"
        )


def access_conversation(user, conversation_id: str | None) -> Conversation:
    if not conversation_id:
        return Conversation.objects.create(user=user if getattr(user, "is_authenticated", False) else None)
    try:
        key = uuid.UUID(str(conversation_id))
    except ValueError:
        raise InvalidInput("会话编号无效", "Invalid conversation id", field="conversation_id") from None
    owner = user if getattr(user, "is_authenticated", False) else None
    conversation = Conversation.objects.filter(pk=key, user=owner).first()
    if conversation is None:
        raise NotFound("会话不存在", "No such conversation", field="conversation_id")
    return conversation


def do_agent_turn(
    user, text: Any, *, conversation_id: str | None = None, rate_key: str = ""
) -> dict[str, Any]:
    """Answer one message. Never raises on odd text: empty, huge or emoji-only gets a polite reply."""
    _rate_limit(rate_key or (f"user:{user.pk}" if getattr(user, "is_authenticated", False) else "anon"))
    if not isinstance(text, str):
        raise InvalidInput("消息应为文字", "text must be a string", field="text")
    conversation = access_conversation(user, conversation_id)
    state = dict(conversation.state or {})
    started = time.perf_counter()
    text = text.strip()
    if not text:
        reply = handlers.Reply(
            "请问有什么可以帮您?可以问我政策、活动、申请进度或券余额。",
            "How can I help? Ask about benefits, events, applications or vouchers.",
        )
        intent, slots = "chitchat", {}
    elif len(text) > MAX_CHARS:
        reply = handlers.Reply(
            f"消息有点长,请把问题控制在{MAX_CHARS}字以内,或转人工帮您处理。",
            f"That message is long; please keep it under {MAX_CHARS} characters, or ask for a person.",
        )
        intent, slots, text = "out_of_scope", {}, text[:MAX_CHARS]
    elif conversation.handed_over:
        # The service team has this conversation: the bot stays quiet until they close the ticket,
        # and a message after their answer puts the ticket back in their queue.
        reply, intent, slots = handlers.Reply("", ""), "human_handoff", {}
        for ticket in HandoverTicket.objects.filter(
            conversation=conversation, status=HandoverTicket.ANSWERED
        ):
            ticket.status = HandoverTicket.OPEN
            ticket.save(update_fields=["status"])
            log_action(
                "agent.ticket.reopened",
                actor=user if getattr(user, "is_authenticated", False) else None,
                obj=ticket,
            )
    else:
        reply, intent, slots = dialogue.respond(user, conversation, state, text)
    with transaction.atomic():
        Turn.objects.create(conversation=conversation, role="founder", text=text, intent=intent, slots=slots)
        if reply.zh:
            Turn.objects.create(
                conversation=conversation,
                role="agent",
                text=reply.zh,
                intent=intent,
                slots=slots,
                citations=reply.citations,
                action=reply.proposed or reply.done or {},
            )
        conversation.state = state
        conversation.save(update_fields=["state", "updated_at"])
    english = bool(re.fullmatch(r"[\x00-\x7f]+", text)) and any(c.isalpha() for c in text)
    return {
        "conversation_id": str(conversation.pk),
        "reply": reply.en if english and reply.en else reply.zh,
        "quiet": not reply.zh,
        "reply_zh": reply.zh,
        "intent": intent,
        "slots": slots,
        "citations": bilingual_citations(reply.citations),
        "proposed_action": reply.proposed,
        "actions_done": [reply.done] if reply.done else [],
        "suggestions": reply.suggestions,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


@transaction.atomic(durable=True)
def check_close_ticket(staff, ticket_id: int) -> HandoverTicket:
    """Staff close a handover: the agent answers in that conversation again."""
    from beiyang.accounts.roles import has_role

    if not has_role(staff, "reviewer", "event_manager", "voucher_officer"):
        raise AccessDenied("仅工作人员可以关闭工单", "Staff only")
    ticket = (
        HandoverTicket.objects.select_for_update().select_related("conversation").filter(pk=ticket_id).first()
    )
    if ticket is None:
        raise NotFound("工单不存在", "No such ticket", field="ticket_id")
    if ticket.status != HandoverTicket.CLOSED:
        ticket.status = HandoverTicket.CLOSED
        ticket.save(update_fields=["status"])
        conversation = ticket.conversation
        if not conversation.tickets.exclude(status=HandoverTicket.CLOSED).exists():
            conversation.handed_over = False
            conversation.save(update_fields=["handed_over"])
        Turn.objects.create(
            conversation=conversation,
            role="staff",
            text="(工作人员已结束人工服务 The service team closed this handover)",
        )
        log_action("agent.ticket.closed", actor=staff, obj=ticket)
        if apps.is_installed("beiyang.service"):
            from beiyang.service.actions import resolve_with_handover

            resolve_with_handover(staff, conversation.pk)
    return ticket


@transaction.atomic(durable=True)
def check_staff_reply(staff, ticket_id: int, text: str) -> HandoverTicket:
    """The service team answers in the founder's conversation; the founder sees it live."""
    from beiyang.accounts.roles import has_role
    from beiyang.notifications.actions import do_send_message

    if not has_role(staff, "reviewer", "event_manager", "voucher_officer"):
        raise AccessDenied("仅工作人员可以回复", "Staff only")
    if not (text or "").strip() or len(text) > 2000:
        raise InvalidInput("回复内容应为1到2000字", "The reply must be 1-2000 characters", field="text")
    ticket = (
        HandoverTicket.objects.select_for_update().select_related("conversation").filter(pk=ticket_id).first()
    )
    if ticket is None:
        raise NotFound("工单不存在", "No such ticket", field="ticket_id")
    Turn.objects.create(conversation=ticket.conversation, role="staff", text=text.strip())
    ticket.status, ticket.assignee, ticket.answered_at = HandoverTicket.ANSWERED, staff, timezone.now()
    ticket.save()
    log_action("agent.ticket.answered", actor=staff, obj=ticket)
    if apps.is_installed("beiyang.service"):
        from beiyang.service.actions import record_handover_reply

        record_handover_reply(staff, ticket.conversation_id, text.strip())
    if ticket.conversation.user_id:
        do_send_message(
            ticket.conversation.user_id,
            kind="agent",
            title="“陪你一起跑”服务团队回复了您",
            body=text[:500],
            title_en="The service team replied",
            link=f"/agent/?c={ticket.conversation_id}",
            channels=False,
        )
    return ticket
