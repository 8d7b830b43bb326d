"""What the agent says and proposes for each intent, one module per capability (policies,
eligibility, events, applications, vouchers, matching, service, competitions, internships, talk).
Facts come from the apps' queries; verdicts and amounts from the benefits engine; actions are only
proposed here and carried out by ``execute`` through the owning app's action after the founder
confirms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from beiyang.agent.handlers import (
    applications,
    competitions,
    eligibility,
    events,
    internships,
    matching,
    policies,
    service,
    talk,
    vouchers,
)
from beiyang.agent.handlers.common import Reply
from beiyang.agent.handlers.eligibility import answer_fact
from beiyang.agent.handlers.policies import on_policy_question
from beiyang.agent.handlers.talk import handover
from beiyang.core.errors import DomainError

__all__ = ["Reply", "answer_fact", "execute", "handle", "handover", "on_policy_question"]

HANDLERS: dict[str, Callable[..., Reply]] = {
    "check_eligibility": eligibility.on_check_eligibility,
    "policy_question": policies.on_policy_question,
    "list_events": events.on_list_events,
    "register_event": events.on_register_event,
    "cancel_registration": events.on_cancel_registration,
    "start_application": applications.on_start_application,
    "application_status": applications.on_application_status,
    "voucher_balance": vouchers.on_voucher_balance,
    "find_match": matching.on_find_match,
    "service_contact": service.on_service_contact,
    "service_request_open": service.on_service_request_open,
    "service_request_status": service.on_service_request_status,
    "service_request_rate": service.on_service_request_rate,
    "competition_enter": competitions.on_competition_enter,
    "competition_status": competitions.on_competition_status,
    "internship_post": internships.on_internship_post,
    "internship_applicants": internships.on_internship_applicants,
    "internship_search": internships.on_internship_search,
    "internship_apply": internships.on_internship_apply,
    "internship_status": internships.on_internship_status,
    "chitchat": talk.on_chitchat,
    "out_of_scope": talk.on_out_of_scope,
}
# The action a confirmation carries out, by the ``action`` of the proposal.
CONFIRMED: dict[str, Callable[[Any, dict[str, Any]], Reply]] = {
    "register": events.confirmed_register,
    "cancel": events.confirmed_cancel,
    "apply": applications.confirmed_apply,
    "service_open": service.confirmed_open,
    "service_message": service.confirmed_message,
    "service_rate": service.confirmed_rate,
    "competition_enter": competitions.confirmed_enter,
    "internship_post": internships.confirmed_post,
    "internship_apply": internships.confirmed_apply,
}


def handle(intent: str, user, text: str, slots: dict[str, Any], state: dict) -> Reply:
    return HANDLERS[intent](user, text, slots, state)


def execute(user, pending: dict[str, Any]) -> Reply:
    """Carry out a confirmed action through the owning app; report only what really happened."""
    run = CONFIRMED.get(pending.get("action", ""))
    if run is None:
        return Reply("这个操作已过期,请重新告诉我您要做什么。", "That request expired; please ask again.")
    try:
        return run(user, pending)
    except DomainError as exc:
        return Reply(f"没有办成:{exc.message}", f"That did not work: {exc.message_en}")
