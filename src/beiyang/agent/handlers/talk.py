"""Small talk, out of scope and the handover to the service team."""

from __future__ import annotations

from beiyang.agent.handlers.common import SUGGESTIONS, Reply


def on_chitchat(user, text, slots, state) -> Reply:
    return Reply(
        "您好!我是北杨小镇服务智能体,可以帮您查政策、判断资格、报名活动、发起申请、查进度和券余额。",
        "Hello! I can help with benefits, eligibility, events, applications and vouchers.",
        suggestions=SUGGESTIONS,
    )


def on_out_of_scope(user, text, slots, state) -> Reply:
    return Reply(
        "抱歉,这个问题超出了我能帮忙的范围。我可以解答小镇政策、活动、申请和券的问题;需要的话也可以回复“转人工”。",
        "Sorry, that's outside what I can help with. Ask about benefits, events, applications or vouchers, or "
        "say “human”.",
        suggestions=SUGGESTIONS,
    )


def handover(user, conversation, reason: str) -> Reply:
    """转人工: a service request (``agent.handover``)."""
    from beiyang.agent.handover import hand_over  # it builds this module's Reply: a cycle at import

    return hand_over(user, conversation, reason)
