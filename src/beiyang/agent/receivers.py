"""What the agent does when the service team acts on a handover it opened."""

from __future__ import annotations

from typing import Any

from beiyang.agent.models import Conversation, Turn


def on_handover_answered(
    sender: type, request: Any, text: str, resolved: bool = False, **kwargs: Any
) -> None:
    # The officer's words land in the founder's chat; once resolved, the agent answers again.
    Turn.objects.create(conversation_id=request.conversation_id, role="staff", text=text)
    if resolved:
        Conversation.objects.filter(pk=request.conversation_id).update(handed_over=False)


def on_handover_reopened(sender: type, request: Any, **kwargs: Any) -> None:
    # A reopened handover is the team's again: the agent stays quiet in that chat.
    Conversation.objects.filter(pk=request.conversation_id).update(handed_over=True)
