"""One turn of the service agent: understand, keep the conversation's context, answer with
citations, and act only after the founder confirms. Every verdict and amount comes from the
benefits engine; every action goes through the owning app's action."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from django.db import transaction

from beiyang.agent import faq, handlers, nlu
from beiyang.agent.handover import to_service_team
from beiyang.agent.llm import understand_with_llm
from beiyang.agent.models import Conversation, Turn
from beiyang.agent.nlu import understand
from beiyang.core.errors import InvalidInput, NotFound, RateLimited
from beiyang.core.ratelimit import hit

MAX_CHARS = 1000
RATE_PER_MINUTE = 30
_TAIL = r"[了吧呀啊的哈嘛呢!!。.\~~]*"
YES = re.compile(
    r"^(确认|确定|确认(报名|取消|申请|办理|提交)|是的?|好的?|好啊|好吧|好滴|嗯+|对的?|可以|行|没问题|要|就这个|就它|"
    r"yes|y|yep|yeah|ok|okay|confirm|sure|go ahead|do it)" + _TAIL + "$",
    re.I,
)
NO = re.compile(
    r"^(取消|不用了?|不要了?|算了|先不了?|不了|不|别了|放弃|no|n|nope|cancel|never ?mind|don'?t)"
    + _TAIL
    + "$",
    re.I,
)
CORRECTION = re.compile(r"^(不对|不是|错了|更正|纠正|应该是|actually|no,)", re.I)
# What each intent is called in a clarifying question (tappable choices).
CHOICES = {
    "check_eligibility": ("看看我能申请哪些政策", "check what I qualify for"),
    "policy_question": ("了解政策内容", "learn about a benefit"),
    "list_events": ("看看近期活动", "see upcoming events"),
    "register_event": ("报名活动", "register for an event"),
    "cancel_registration": ("取消活动报名", "cancel a registration"),
    "start_application": ("发起申请", "start an application"),
    "application_status": ("查申请进度", "check my application"),
    "voucher_balance": ("查券余额", "check voucher balances"),
    "find_match": ("找导师、投资人或人才", "find a mentor, investor or hire"),
    "human_handoff": ("转人工", "talk to a person"),
}
DROPPED = {
    "register": (
        "之前为您准备的报名没有办理,已作废。",
        "The registration I proposed was not made; it is dropped.",
    ),
    "cancel": (
        "之前准备的取消报名没有办理,您的报名仍然有效。",
        "The cancellation I proposed was not made; you are still registered.",
    ),
    "apply": (
        "之前准备的申请没有创建,已作废。",
        "The application I proposed was not created; it is dropped.",
    ),
}


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
        reply, intent, slots = _respond(user, conversation, state, text)
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
        "citations": reply.citations,
        "proposed_action": reply.proposed,
        "actions_done": [reply.done] if reply.done else [],
        "suggestions": reply.suggestions,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def _respond(user, conversation: Conversation, state: dict, text: str):
    notes: tuple[str, str] | None = None
    pending = state.pop("pending", None)
    if pending and YES.match(text):
        return handlers.execute(user, pending), pending["intent"], {}
    if pending and NO.match(text):
        return (
            handlers.Reply("好的,已取消,没有做任何操作。", "OK, cancelled; nothing was done."),
            pending["intent"],
            {},
        )
    if pending:
        # A change of topic: the proposal is dropped, and the founder is told so.
        notes = DROPPED.get(pending.get("action"), DROPPED["register"])
    reply, intent, slots = _understood_reply(user, conversation, state, text)
    if notes:
        reply.zh, reply.en = f"{notes[0]}\n{reply.zh}", f"{notes[1]}\n{reply.en}"
    return reply, intent, slots


def _clarify_choice(clarify: dict, text: str) -> str | None:
    t = re.sub(r"[。.!!]+$", "", text.strip().lower())
    for i, intent in enumerate(clarify["choices"], start=1):
        zh, en = CHOICES[intent]
        if t in (str(i), zh, en.lower()) or (len(t) >= 2 and (t in zh or zh in t)):
            return intent
    return None


def _understood_reply(user, conversation: Conversation, state: dict, text: str):
    clarify = state.pop("clarify", None)
    awaiting = state.pop("awaiting", None)
    u = understand_with_llm(text) or understand(text)
    intent, slots = u.intent, dict(u.slots)
    remembered = state.get("slots", {})
    last = state.get("last_intent")
    continuing = False
    if clarify and (chosen := _clarify_choice(clarify, text)):
        # The founder picked one of the choices: answer the message they first sent.
        first = understand(clarify["text"])
        intent, text, continuing = chosen, clarify["text"], True
        slots = nlu.slots_for(chosen, clarify["text"])
        u = first
    # Multi-turn: "那模型券呢?" keeps the question and changes the benefit; "不对,我35岁" corrects a fact.
    follow_up = last in ("check_eligibility", "policy_question", "voucher_balance") and (
        ("呢" in text and len(text) <= 12)
        or (text.lower().startswith(("and ", "what about", "how about")) and len(text) <= 40)
    )
    if (
        follow_up
        and (intent in ("policy_question", "out_of_scope", "chitchat") or nlu.only_names_a_benefit(text))
        and (slots or remembered)
    ):
        intent, continuing = last, True
        slots = {**slots, **u.slots_as(last)}
    found = u.slots_as("check_eligibility")
    if CORRECTION.match(text) and last and (found.get("age") or found.get("district")):
        intent, continuing = last, True
        slots = {**slots, **{k: v for k, v in found.items() if k in ("age", "district")}}
    if awaiting and intent not in ("human_handoff", "cancel_registration", "register_event"):
        # The founder answers the agent's own question ("融资阶段?" → "种子轮"), visitor or not.
        value = handlers.answer_fact(awaiting, text)
        if value is not None:
            if awaiting == "founder.age":
                slots["age"] = value
            elif awaiting == "company.district":
                slots["district"] = value
            else:
                state.setdefault("facts", {})[awaiting] = value
            intent, continuing = last or "check_eligibility", True
    if intent == "check_eligibility":
        slots = {**{k: v for k, v in remembered.items() if k in ("age", "district")}, **slots}
        if "policy" not in slots and continuing and remembered.get("policy"):
            slots["policy"] = remembered["policy"]
    unsure = not continuing and u.confidence < nlu.CLARIFY_BELOW
    if unsure and "out_of_scope" in [i for i, _p in u.ranked[:2]]:
        # Maybe nothing the agent does: say what it can do (with tappable suggestions) rather
        # than act on a guess, least of all open a ticket.
        intent, slots = "out_of_scope", {}
    if (
        unsure
        and intent not in ("chitchat", "out_of_scope")
        and (choices := [i for i, _p in u.ranked if i in CHOICES][:3])
        and len(choices) >= 2
    ):
        # Unsure: one question with two or three tappable choices instead of a guess.
        state["clarify"] = {"text": text, "choices": choices}
        reply = handlers.Reply(
            "我想确认一下,您是想:"
            + ";".join(f"{i}. {CHOICES[c][0]}" for i, c in enumerate(choices, 1))
            + "?点选即可。",
            "Just to be sure, would you like to: "
            + "; ".join(f"{i}. {CHOICES[c][1]}" for i, c in enumerate(choices, 1))
            + "? Tap one.",
            suggestions=[CHOICES[c][0] for c in choices],
        )
        return reply, "clarify", {}
    if (
        intent in ("out_of_scope", "policy_question")
        and not slots.get("policy")
        and not nlu.find_policies(text)  # two benefits named leave no slot, but it is about them
        and (hit := faq.best(text))
    ):
        # A question about the town rather than a benefit: answer from the FAQ, citing the article.
        intent = "policy_question"
        reply = handlers.Reply(hit["zh"], hit["en"], citations=[faq.citation(hit)])
    elif intent == "policy_question":
        reply = handlers.on_policy_question(user, text, slots, state, aspect=u.aspect)
    elif intent != "human_handoff":
        reply = handlers.handle(intent, user, text, slots, state)
    # Only messages the agent could not place count toward a handover; small talk never does.
    if intent == "out_of_scope":
        state["unclear"] = state.get("unclear", 0) + 1
    elif intent != "chitchat":
        state["unclear"] = 0
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
