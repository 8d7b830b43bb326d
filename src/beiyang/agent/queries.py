from __future__ import annotations

from beiyang.agent.models import Conversation, HandoverTicket


def handover_rate() -> float | None:
    total = Conversation.objects.filter(turns__role="founder").distinct().count()
    if not total:
        return None
    return round(HandoverTicket.objects.values("conversation").distinct().count() / total, 3)


def open_tickets():
    return HandoverTicket.objects.filter(status=HandoverTicket.OPEN).select_related("conversation__user")
