from django.shortcuts import redirect, render
from django.urls import reverse

from beiyang.agent import actions
from beiyang.agent.models import Conversation
from beiyang.core.errors import DomainError
from beiyang.core.ratelimit import client_ip


def chat(request):
    """The chat page; the htmx form posts a turn and appends the answer."""
    user = request.user if request.user.is_authenticated else None
    conversation_id = request.POST.get("conversation_id") or request.GET.get("c") or ""
    if request.method == "POST":
        try:
            result = actions.do_agent_turn(
                user,
                request.POST.get("text", ""),
                conversation_id=conversation_id or None,
                rate_key=f"user:{user.pk}" if user else f"ip:{client_ip(request)}",
                address=client_ip(request),
            )
        except DomainError as exc:
            result = {
                "reply": exc.localized(),
                "conversation_id": conversation_id,
                "citations": [],
                "suggestions": [],
            }
        return render(request, "agent/_turn.html", {"text": request.POST.get("text", ""), "r": result})
    turns = []
    if conversation_id:
        conversation = (
            Conversation.objects.filter(pk=conversation_id, user=user).first()
            if _uuid(conversation_id)
            else None
        )
        turns = list(conversation.turns.all()) if conversation else []
    return render(
        request,
        "agent/chat.html",
        {
            "tab": "home",
            "conversation_id": conversation_id,
            "turns": turns,
            "suggestions": [
                "我能享受哪些政策?",
                "算力券最多补多少?",
                "这周有什么活动?",
                "帮我报名模速路演日",
                "我的申请审到哪了?",
                "转人工",
            ],
        },
    )


def _uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def staff_tickets(request):
    """The old handover tickets page: handovers are service requests now, on the service
    team's queue, under its permission rule (which that page checks)."""
    return redirect(f"{reverse('web:staff_service')}?source=agent", permanent=True)
