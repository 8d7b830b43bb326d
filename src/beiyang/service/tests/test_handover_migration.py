"""The agent's handover tickets become service requests when the database is migrated."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("agent", "0001_initial"), ("service", "0001_initial")]
AFTER = [
    ("agent", "0002_conversation_address_delete_handoverticket"),
    ("service", "0002_handover_tickets_become_requests"),
]


@pytest.mark.django_db(transaction=True)
def test_tickets_become_requests_in_their_state_with_the_transcript(make_founder):
    user, company, _api = make_founder()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Conversation = old.get_model("agent", "Conversation")
    Turn = old.get_model("agent", "Turn")
    Ticket = old.get_model("agent", "HandoverTicket")
    ServiceRequest = old.get_model("service", "ServiceRequest")

    founders = Conversation.objects.create(user_id=user.pk, handed_over=True)
    Turn.objects.create(conversation=founders, role="founder", text="我要转人工")
    Ticket.objects.create(conversation=founders, status="open", reason="我要转人工")
    visitors = Conversation.objects.create(handed_over=False)
    Turn.objects.create(conversation=visitors, role="founder", text="有人吗")
    Ticket.objects.create(conversation=visitors, status="closed", reason="有人吗")
    already = Conversation.objects.create(user_id=user.pk, handed_over=True)
    Ticket.objects.create(conversation=already, status="answered", reason="已有请求")
    existing = ServiceRequest.objects.create(
        category="other",
        title="转人工:已有请求",
        source="agent",
        conversation_id=already.pk,
        status="resolved",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Request = new.get_model("service", "ServiceRequest")
    NewConversation = new.get_model("agent", "Conversation")

    mine = Request.objects.get(conversation_id=founders.pk)
    assert (mine.status, mine.source, mine.requester_id, mine.company_id) == (
        "open",
        "agent",
        user.pk,
        company.pk,
    )
    assert "创业者:我要转人工" in mine.messages.get(role="agent").text
    theirs = Request.objects.get(conversation_id=visitors.pk)
    assert theirs.status == "resolved" and theirs.requester_id is None and theirs.resolved_at
    assert Request.objects.filter(conversation_id=already.pk).get().pk == existing.pk  # not doubled
    assert NewConversation.objects.get(pk=founders.pk).handed_over
    assert not NewConversation.objects.get(pk=already.pk).handed_over  # its request is resolved
    assert "agent_handoverticket" not in connection.introspection.table_names()
