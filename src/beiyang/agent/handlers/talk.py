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
    from beiyang.agent.models import HandoverTicket
    from beiyang.core.audit import log_action

    ticket = HandoverTicket.objects.filter(conversation=conversation, status=HandoverTicket.OPEN).first()
    if ticket is None:
        ticket = HandoverTicket.objects.create(conversation=conversation, reason=reason[:200])
        conversation.handed_over = True
        conversation.save(update_fields=["handed_over"])
        log_action(
            "agent.ticket.opened",
            actor=user if getattr(user, "is_authenticated", False) else None,
            obj=ticket,
        )
        # The one front door: the handover is also a service request to the company's officer.
        from beiyang.service.actions import open_from_handover

        open_from_handover(user, conversation, reason)
    return Reply(
        "已为您转接“陪你一起跑”专属服务团队,工作人员会在这个对话里回复您,回复时您也会收到消息提醒。",
        "I've passed you to the service team; they will reply in this conversation.",
        done={"action": "handover", "ticket_id": ticket.pk},
    )
