from __future__ import annotations

from beiyang.agent.models import Conversation
from beiyang.service.models import ServiceRequest


def handover_rate() -> float | None:
    """Share of conversations with a founder's message that were handed to the service team."""
    total = Conversation.objects.filter(turns__role="founder").distinct().count()
    if not total:
        return None
    handed = (
        ServiceRequest.objects.filter(source="agent", conversation_id__isnull=False)
        .values("conversation_id")
        .distinct()
        .count()
    )
    return round(handed / total, 3)
