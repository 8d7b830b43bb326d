"""转人工 from the agent's side: the handover is a service request, owned by the service app
(``service.actions.handover``); the agent only opens it and posts the chat into it."""

from __future__ import annotations

from beiyang.agent.handlers import Reply
from beiyang.core.errors import RateLimited
from beiyang.service.actions import open_handover, post_from_chat


def hand_over(user, conversation, reason: str) -> Reply:
    """Open (or find) the conversation's service request; a visitor past the day's handover
    limits is told so, and nothing is opened."""
    try:
        request = open_handover(user, conversation, reason, address=conversation.address or "")
    except RateLimited as exc:
        return Reply(exc.message, exc.message_en)
    if not conversation.handed_over:  # the team has the chat: the bot is quiet until it is resolved
        conversation.handed_over = True
        conversation.save(update_fields=["handed_over"])
    return Reply(
        "已为您转接“陪你一起跑”专属服务团队,工作人员会在这个对话里回复您,回复时您也会收到消息提醒。",
        "I've passed you to the service team; they will reply in this conversation.",
        done={"action": "handover", "service_request_id": request.pk},
    )


def to_service_team(user, conversation, text: str) -> bool:
    """A message written while the team has the chat goes into their request: True when it did
    (False: no request is live any more, and the agent answers again)."""
    if post_from_chat(user, conversation, text) is not None:
        return True
    conversation.handed_over = False
    conversation.save(update_fields=["handed_over"])
    return False
