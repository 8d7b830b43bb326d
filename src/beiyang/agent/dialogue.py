"""The dialogue of one turn: a confirmation or a refusal of what the agent proposed, the reading of
the message in its context (a choice picked, a follow-up, a correction, an answer to the agent's
own question, an action negated), one clarifying question when unsure, and the answer.

Each step is its own function, in the order a turn takes them; ``respond`` runs them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from beiyang.agent import faq, handlers, negation, nlu
from beiyang.agent.handlers import Reply
from beiyang.agent.llm import understand_with_llm
from beiyang.agent.models import Conversation
from beiyang.agent.nlu import Understanding, understand

_TAIL = r"[了吧呀啊的哈嘛呢!!。.\~~]*"
YES = re.compile(
    r"^(确认|确定|确认(报名|取消|申请|办理|提交|发布|评价)|是的?|好的?|好啊|好吧|好滴|嗯+|对的?|可以|行|没问题|要|就这个|就它|"
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
    "service_contact": ("联系我的服务专员", "reach my service officer"),
    "service_request_open": ("提交服务请求", "open a service request"),
    "service_request_status": ("查服务请求进度", "check my service requests"),
    "service_request_rate": ("评价服务", "rate a service request"),
    "competition_enter": ("报名创业大赛", "enter the competition"),
    "competition_status": ("查大赛进展", "check my competition entry"),
    "internship_post": ("发布实习岗位", "post an internship"),
    "internship_applicants": ("看实习申请人", "see internship applicants"),
    "internship_search": ("找实习岗位", "find an internship"),
    "internship_apply": ("申请实习", "apply for an internship"),
    "internship_status": ("查实习申请和匹配结果", "check my internship applications"),
    "human_handoff": ("转人工", "talk to a person"),
}
# What the founder is told when a proposal they did not confirm is dropped.
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
    "service_open": ("之前准备的服务请求没有提交,已作废。", "The service request I proposed was not opened."),
    "service_message": ("之前准备的留言没有发出,已作废。", "The message I proposed was not added."),
    "service_rate": ("之前准备的评价没有提交,已作废。", "The rating I proposed was not given."),
    "competition_enter": (
        "之前准备的大赛报名没有提交,已作废。",
        "The competition entry I proposed was not made.",
    ),
    "internship_post": ("之前准备的实习岗位没有发布,已作废。", "The internship I proposed was not posted."),
    "internship_apply": (
        "之前准备的实习申请没有提交,已作废。",
        "The internship application I proposed was not made.",
    ),
}
# What a negated action leaves undone, said back to the founder (nothing is proposed).
NOT_DONE = {
    "cancel": ("好的,不取消,您的报名保持不变。", "OK, nothing is cancelled; your registration stands."),
    "register": ("好的,不报名。", "OK, I won't register you."),
    "apply": ("好的,不发起申请。", "OK, no application is started."),
}
# The intents whose answer a short follow-up ("那模型券呢?") asks again, about something else.
FOLLOWED = ("check_eligibility", "policy_question", "voucher_balance")
# The facts an eligibility check keeps from one turn to the next.
KEPT = ("age", "district", "policy")


@dataclass
class Reading:
    """What the message means in this conversation."""

    text: str
    understood: Understanding
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    continuing: bool = False  # the message continues the conversation's last question


def respond(user, conversation: Conversation, state: dict, text: str) -> tuple[Reply, str, dict]:
    """Answer one message in its conversation: carry out or drop a pending proposal, or read the
    message and answer it."""
    pending = state.pop("pending", None)
    if pending and YES.match(text):
        return handlers.execute(user, pending), pending["intent"], {}
    if pending and NO.match(text):
        return (
            Reply("好的,已取消,没有做任何操作。", "OK, cancelled; nothing was done."),
            pending["intent"],
            {},
        )
    verb = negation.VERB_OF_PROPOSAL.get((pending or {}).get("action", ""))
    if verb and verb in negation.said(text).negated:
        # "别取消,我还要去的": the proposal is dropped, and what stays as it was is said.
        zh, en = NOT_DONE[verb]
        return Reply(zh, en), pending["intent"], {}
    reply, intent, slots = _answer(user, conversation, state, text)
    if pending:
        # A change of topic: the proposal is dropped, and the founder is told so.
        note = DROPPED.get(pending.get("action"), DROPPED["register"])
        reply.zh, reply.en = f"{note[0]}\n{reply.zh}", f"{note[1]}\n{reply.en}"
    return reply, intent, slots


def _clarify_choice(clarify: dict, text: str) -> str | None:
    t = re.sub(r"[。.!!]+$", "", text.strip().lower())
    for i, intent in enumerate(clarify["choices"], start=1):
        zh, en = CHOICES[intent]
        if t in (str(i), zh, en.lower()) or (len(t) >= 2 and (t in zh or zh in t)):
            return intent
    return None


def read(state: dict, text: str) -> Reading:
    """The message read in context: a clarifying choice picked, a follow-up, a correction of a
    fact, or an answer to the agent's own question."""
    clarify = state.pop("clarify", None)
    awaiting = state.pop("awaiting", None)
    u = understand_with_llm(text) or understand(text)
    reading = Reading(text, u, u.intent, dict(u.slots))
    if clarify and (chosen := _clarify_choice(clarify, text)):
        # The founder picked one of the choices: answer the message they first sent.
        first = understand(clarify["text"])
        return Reading(clarify["text"], first, chosen, nlu.slots_for(chosen, clarify["text"]), True)
    _follow_up(reading, state)
    _correction(reading, state)
    if awaiting:
        _answer_to_question(reading, state, awaiting)
    if reading.intent == "check_eligibility":
        remembered = state.get("slots", {})
        reading.slots = {**{k: v for k, v in remembered.items() if k in ("age", "district")}, **reading.slots}
        if "policy" not in reading.slots and reading.continuing and remembered.get("policy"):
            reading.slots["policy"] = remembered["policy"]
    return reading


def _follow_up(reading: Reading, state: dict) -> None:
    """ "那模型券呢?" keeps the last question and changes the benefit."""
    last, text = state.get("last_intent"), reading.text
    short = ("呢" in text and len(text) <= 12) or (
        text.lower().startswith(("and ", "what about", "how about")) and len(text) <= 40
    )
    if not (last in FOLLOWED and short):
        return
    vague = reading.intent in ("policy_question", "out_of_scope", "chitchat") or nlu.only_names_a_benefit(
        text
    )
    if vague and (reading.slots or state.get("slots")):
        reading.intent, reading.continuing = last, True
        reading.slots = {**reading.slots, **reading.understood.slots_as(last)}


def _correction(reading: Reading, state: dict) -> None:
    """ "不对,我35岁" corrects a fact of the last question."""
    last = state.get("last_intent")
    found = reading.understood.slots_as("check_eligibility")
    if CORRECTION.match(reading.text) and last and (found.get("age") or found.get("district")):
        reading.intent, reading.continuing = last, True
        reading.slots = {**reading.slots, **{k: v for k, v in found.items() if k in ("age", "district")}}


def _answer_to_question(reading: Reading, state: dict, awaiting: str) -> None:
    """The founder answers the agent's own question ("融资阶段?" → "种子轮"), visitor or not."""
    if reading.intent in ("human_handoff", "cancel_registration", "register_event"):
        return
    value = handlers.answer_fact(awaiting, reading.text)
    if value is None:
        return
    if awaiting == "founder.age":
        reading.slots["age"] = value
    elif awaiting == "company.district":
        reading.slots["district"] = value
    else:
        state.setdefault("facts", {})[awaiting] = value
    reading.intent, reading.continuing = state.get("last_intent") or "check_eligibility", True


def negated(reading: Reading) -> Reply | None:
    """An action the founder negated is never proposed: when they say what they want instead
    ("不是要取消,是要报名") that is the intent; otherwise they are told nothing will be done."""
    action = negation.ACTION_OF.get(reading.intent)
    said = negation.said(reading.text)
    if action is None or action not in said.negated:
        return None
    if said.wanted:
        intent = negation.INTENT_OF[said.wanted]
        if (
            said.wanted == "register"
            and nlu.find_policies(reading.text) == []
            and _about_competition(reading)
        ):
            intent = "competition_enter"
        reading.intent = intent
        reading.slots = reading.understood.slots_as(intent)
        return None
    zh, en = NOT_DONE[action]
    return Reply(zh, en)


def _about_competition(reading: Reading) -> bool:
    return bool(re.search(r"大赛|比赛|competition", reading.text.lower()))


def clarifying_question(reading: Reading, state: dict) -> Reply | None:
    """Unsure of the intent: one question with two or three tappable choices instead of a guess;
    maybe nothing the agent does: say what it can do rather than act on a guess."""
    u = reading.understood
    if reading.continuing or u.confidence >= nlu.CLARIFY_BELOW:
        return None
    if "out_of_scope" in [i for i, _p in u.ranked[:2]]:
        reading.intent, reading.slots = "out_of_scope", {}
        return None
    choices = [i for i, _p in u.ranked if i in CHOICES][:3]
    if reading.intent in ("chitchat", "out_of_scope") or len(choices) < 2:
        return None
    state["clarify"] = {"text": reading.text, "choices": choices}
    return Reply(
        "我想确认一下,您是想:"
        + ";".join(f"{i}. {CHOICES[c][0]}" for i, c in enumerate(choices, 1))
        + "?点选即可。",
        "Just to be sure, would you like to: "
        + "; ".join(f"{i}. {CHOICES[c][1]}" for i, c in enumerate(choices, 1))
        + "? Tap one.",
        suggestions=[CHOICES[c][0] for c in choices],
    )


def _reply_for(user, reading: Reading, state: dict) -> Reply | None:
    """The answer to the intent read; None for a handover, which the caller opens."""
    text, slots = reading.text, reading.slots
    if (
        reading.intent in ("out_of_scope", "policy_question")
        and not slots.get("policy")
        and not nlu.find_policies(text)  # two benefits named leave no slot, but it is about them
        and (hit := faq.best(text))
    ):
        # A question about the town rather than a benefit: answer from the FAQ, citing the article.
        reading.intent = "policy_question"
        return Reply(hit["zh"], hit["en"], citations=[faq.citation(hit)])
    if reading.intent == "policy_question":
        return handlers.on_policy_question(user, text, slots, state, aspect=reading.understood.aspect)
    if reading.intent == "human_handoff":
        return None
    return handlers.handle(reading.intent, user, text, slots, state)


def _answer(user, conversation: Conversation, state: dict, text: str) -> tuple[Reply, str, dict]:
    reading = read(state, text)
    reply = negated(reading) or clarifying_question(reading, state)
    if reply is not None and "clarify" in state:
        return reply, "clarify", {}
    last, remembered = state.get("last_intent"), state.get("slots", {})
    reply = reply or _reply_for(user, reading, state)
    intent = reading.intent
    # Only messages the agent could not place count toward a handover; small talk never does.
    if intent == "out_of_scope":
        state["unclear"] = state.get("unclear", 0) + 1
    elif intent != "chitchat":
        state["unclear"] = 0
    if state.get("unclear", 0) >= 2 and intent == "out_of_scope":
        reply = handlers.handover(user, conversation, "连续未能理解 repeated misunderstanding")
        intent, state["unclear"] = "human_handoff", 0
    elif intent == "human_handoff":
        reply = handlers.handover(user, conversation, reading.text[:200])
    state["last_intent"] = intent if intent not in ("chitchat", "out_of_scope") else last
    state["slots"] = {**remembered, **{k: v for k, v in reading.slots.items() if k in KEPT}}
    if reply.proposed:
        state["pending"] = {**reply.proposed, "intent": intent}
    if reply.awaiting:
        state["awaiting"] = reply.awaiting
    return reply, intent, reading.slots
