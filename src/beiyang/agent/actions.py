"""One turn of the service agent: understand, keep the conversation's context, answer with
citations, and act only after the founder confirms. Every verdict and amount comes from the
benefits engine; every action goes through the owning app's action."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from beiyang.agent import faq, handlers
from beiyang.agent.llm import understand_with_llm
from beiyang.agent.models import Conversation, HandoverTicket, Turn
from beiyang.agent.nlu import understand
from beiyang.core.audit import log_action
from beiyang.core.errors import AccessDenied, InvalidInput, NotFound, RateLimited
from beiyang.core.ratelimit import over_limit

MAX_CHARS = 1000
RATE_PER_MINUTE = 30
YES = re.compile(
    r"^(确认|确定|是的?|好的?|对|可以|行|没问题|嗯|要|yes|y|ok|okay|confirm|sure)[!!。.]*$", re.I
)
NO = re.compile(r"^(取消|不用?了?|不要|算了|no|n|cancel|nope)[!!。.]*$", re.I)
CORRECTION = re.compile(r"^(不对|不是|错了|更正|纠正|应该是|actually|no,)", re.I)


def _rate_limit(key: str) -> None:
    if over_limit(f"agent-rate:{key}", RATE_PER_MINUTE):
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
    else:
        reply, intent, slots = _respond(user, conversation, state, text)
    with transaction.atomic():
        Turn.objects.create(conversation=conversation, role="founder", text=text, intent=intent, slots=slots)
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
        "reply_zh": reply.zh,
        "intent": intent,
        "slots": slots,
        "citations": reply.citations,
        "proposed_action": reply.proposed,
        "actions_done": [reply.done] if reply.done else [],
        "suggestions": reply.suggestions,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def _respond(user, conversation: Conversation, state: dict, text: str):
    pending = state.get("pending")
    if pending and YES.match(text):
        state.pop("pending", None)
        return handlers.execute(user, pending), pending["intent"], {}
    if pending and NO.match(text):
        state.pop("pending", None)
        return (
            handlers.Reply("好的,已取消,没有做任何操作。", "OK, cancelled; nothing was done."),
            pending["intent"],
            {},
        )
    state.pop("pending", None)
    u = understand_with_llm(text) or understand(text)
    intent, slots = u.intent, dict(u.slots)
    remembered = state.get("slots", {})
    last = state.get("last_intent")
    # Multi-turn: "那模型券呢?" keeps the question and changes the benefit; "不对,我35岁" corrects a fact.
    follow_up = (
        last in ("check_eligibility", "policy_question", "voucher_balance")
        and len(text) <= 12
        and ("呢" in text or text.lower().startswith(("and ", "what about", "how about")))
    )
    if follow_up and intent in ("policy_question", "out_of_scope") and (slots or remembered):
        intent = last
    continuing = follow_up
    if CORRECTION.match(text) and last and (slots.get("age") or slots.get("district")):
        intent, continuing = last, True
    awaiting = state.pop("awaiting", None)
    if awaiting == "age" and "age" not in slots and (m := re.fullmatch(r"\s*(\d{2})\s*(岁|周岁)?\s*", text)):
        slots["age"], intent, continuing = int(m.group(1)), last or "check_eligibility", True
    if intent == "check_eligibility":
        slots = {**{k: v for k, v in remembered.items() if k in ("age", "district")}, **slots}
        if "policy" not in slots and continuing and remembered.get("policy"):
            slots["policy"] = remembered["policy"]
    if intent in ("out_of_scope", "policy_question") and not slots.get("policy") and (hit := faq.best(text)):
        # A question about the town rather than one benefit: answer from the FAQ, citing the article.
        intent = "policy_question"
        reply = handlers.Reply(hit["zh"], hit["en"], citations=[faq.citation(hit)])
    elif intent != "human_handoff":
        reply = handlers.handle(intent, user, text, slots, state)
    if u.confidence < 0.5 and intent == "out_of_scope":
        state["unclear"] = state.get("unclear", 0) + 1
    if state.get("unclear", 0) >= 2 and intent == "out_of_scope":
        reply = handlers.handover(user, conversation, "连续未能理解 repeated misunderstanding")
        intent, state["unclear"] = "human_handoff", 0
    elif intent == "human_handoff":
        reply = handlers.handover(user, conversation, text[:200])
    state["last_intent"] = intent if intent not in ("chitchat", "out_of_scope") else last
    state["slots"] = {**remembered, **{k: v for k, v in slots.items() if k in ("age", "district", "policy")}}
    if reply.proposed:
        state["pending"] = {**reply.proposed, "intent": intent}
    if reply.awaiting:
        state["awaiting"] = reply.awaiting
    return reply, intent, slots


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
