"""One turn of the service agent: understand, keep the conversation's context, answer with
citations, and act only after the founder confirms. Every verdict and amount comes from the
benefits engine; every action goes through the owning app's action."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from django.db import transaction

from beiyang.agent import dialogue, handlers
from beiyang.agent.handlers.common import bilingual_citations
from beiyang.agent.handover import to_service_team
from beiyang.agent.models import Conversation, Turn
from beiyang.core.errors import InvalidInput, NotFound, RateLimited
from beiyang.core.ratelimit import hit

MAX_CHARS = 1000
RATE_PER_MINUTE = 30


def _rate_limit(key: str) -> None:
    if not hit(f"agent:{key}", RATE_PER_MINUTE, 60):
        raise RateLimited(
            "消息太频繁了,请稍后再试", "Too many messages; try again in a minute", code="rate_limited"
        )


def access_conversation(user, conversation_id: str | None, *, address: str = "") -> Conversation:
    if not conversation_id:
        signed_in = getattr(user, "is_authenticated", False)
        return Conversation.objects.create(
            user=user if signed_in else None, address=None if signed_in or not address else address
        )
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
    user, text: Any, *, conversation_id: str | None = None, rate_key: str = "", address: str = ""
) -> dict[str, Any]:
    """Answer one message. Never raises on odd text: empty, huge or emoji-only gets a polite reply.
    ``address``: the visitor's, which limits their handovers (``service.actions.open_handover``)."""
    _rate_limit(rate_key or (f"user:{user.pk}" if getattr(user, "is_authenticated", False) else "anon"))
    if not isinstance(text, str):
        raise InvalidInput("消息应为文字", "text must be a string", field="text")
    conversation = access_conversation(user, conversation_id, address=address)
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
    elif conversation.handed_over and to_service_team(user, conversation, text):
        # The service team has this conversation: the message goes into their request's thread
        # and the bot stays quiet until the request is resolved.
        reply, intent, slots = handlers.Reply("", ""), "human_handoff", {}
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
