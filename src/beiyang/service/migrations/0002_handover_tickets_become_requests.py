"""The agent's handover tickets become service requests: one handover concept, owned by the
service team. A ticket whose conversation already opened a request is that request; an older
ticket gets a request of its own, with the chat's transcript, in the state the ticket was in."""

from django.db import migrations, models
from django.utils import timezone

SPEAKERS = {"founder": "创业者", "agent": "智能体", "staff": "工作人员"}
STATUS_OF_TICKET = {"open": "open", "answered": "in_progress", "closed": "resolved"}
LIVE = ("open", "in_progress", "waiting_founder")


def tickets_to_requests(apps, schema_editor):
    HandoverTicket = apps.get_model("agent", "HandoverTicket")
    Conversation = apps.get_model("agent", "Conversation")
    ServiceRequest = apps.get_model("service", "ServiceRequest")
    ServiceMessage = apps.get_model("service", "ServiceMessage")
    Membership = apps.get_model("companies", "Membership")
    OfficerAssignment = apps.get_model("service", "OfficerAssignment")
    now = timezone.now()
    for ticket in HandoverTicket.objects.select_related("conversation").order_by("id"):
        conversation = ticket.conversation
        if ServiceRequest.objects.filter(conversation_id=conversation.pk).exists():
            continue
        company_id = (
            Membership.objects.filter(user_id=conversation.user_id)
            .values_list("company_id", flat=True)
            .first()
            if conversation.user_id
            else None
        )
        officer_id = (
            OfficerAssignment.objects.filter(company_id=company_id)
            .values_list("officer_id", flat=True)
            .first()
            if company_id
            else None
        )
        status = STATUS_OF_TICKET.get(ticket.status, "open")
        reason = ticket.reason or ""
        request = ServiceRequest.objects.create(
            company_id=company_id,
            requester_id=conversation.user_id,
            officer_id=officer_id,
            category="other",
            title=f"转人工:{reason.strip()[:60] or '智能体转人工'}",
            description=reason,
            status=status,
            source="agent",
            conversation_id=conversation.pk,
            first_responded_at=ticket.answered_at,
            resolution="转人工工单迁移时已关闭 Closed as a handover ticket" if status == "resolved" else "",
            resolved_at=now if status == "resolved" else None,
        )
        ServiceRequest.objects.filter(pk=request.pk).update(created_at=ticket.created_at)
        transcript = "\n".join(
            f"{SPEAKERS.get(t.role, t.role)}:{t.text}" for t in conversation.turns.order_by("id")[:100]
        )
        ServiceMessage.objects.create(request=request, role="agent", text=f"对话记录:\n{transcript}"[:20_000])
    for conversation in Conversation.objects.filter(handed_over=True):
        if not ServiceRequest.objects.filter(conversation_id=conversation.pk, status__in=LIVE).exists():
            conversation.handed_over = False
            conversation.save(update_fields=["handed_over"])


class Migration(migrations.Migration):
    dependencies = [
        ("agent", "0001_initial"),
        ("companies", "0001_initial"),
        ("service", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="servicerequest",
            name="source",
            field=models.CharField(
                choices=[("portal", "服务请求"), ("agent", "转人工")],
                db_index=True,
                default="portal",
                max_length=10,
            ),
        ),
        migrations.RunPython(tickets_to_requests, migrations.RunPython.noop),
    ]
