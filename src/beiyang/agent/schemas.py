from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from beiyang.core.schemas import StrictSchema


class MessageIn(StrictSchema):
    conversation_id: str | None = Field(None, max_length=64)
    text: str = Field(max_length=20_000)


class AgentOut(Schema):
    conversation_id: str
    reply: str
    reply_zh: str
    quiet: bool = False  # True while the service team has the conversation: the bot said nothing
    intent: str
    slots: dict[str, Any]
    citations: list[dict[str, Any]]
    proposed_action: dict[str, Any] | None
    actions_done: list[dict[str, Any]]
    suggestions: list[str]
