"""Two officers acting on one service request at once: with the guard patched out both changes
land on the same starting state (two resolutions, two messages); with it, one state, one story.

The guard is the one path production has: the request read locked inside the transaction that
changes it (``service.actions.casework._request_to_change``). The test replaces it with a read before
the transaction, both officers reading before either writes. Threads share nothing but the
database, as separate server workers would."""

import threading
from contextlib import contextmanager

import pytest
from django.db import transaction

from beiyang.core.errors import DomainError
from beiyang.core.models import AuditEntry
from beiyang.core.tests.threads import all_at_once
from beiyang.notifications.models import Message
from beiyang.service.actions import (
    access_staff_request,
    casework,
    check_reassign,
    check_resolve,
    do_open_request,
)
from beiyang.service.models import ServiceRequest

pytestmark = pytest.mark.django_db(transaction=True)


def _resolutions(request_id: int) -> int:
    return AuditEntry.objects.filter(
        action_type="service.request.resolved", object_id=str(request_id)
    ).count()


def _read_then_write(officers: int):
    """In place of the locked read: the request read before the transaction, every officer
    reading before any writes (a barrier, not a sleep, orders the steps)."""
    read = threading.Barrier(officers)

    @contextmanager
    def request_to_change(staff, request_id: int):
        stale = access_staff_request(staff, request_id)
        read.wait(timeout=30)
        with transaction.atomic(durable=True):
            yield stale

    return request_to_change


@pytest.mark.parametrize("guard", [False, True], ids=["guard-off", "guard-on"])
def test_two_officers_resolving_a_pool_request_at_once(monkeypatch, make_founder, make_staff, guard):
    if not guard:
        monkeypatch.setattr(casework, "_request_to_change", _read_then_write(2))
    user, _company, _client = make_founder()
    one, _ = make_staff("service_officer")
    two, _ = make_staff("service_officer")
    request = do_open_request(user, category="office", title="找工位")  # no officer yet: the pool
    results = all_at_once(
        [
            lambda: check_resolve(one, request.pk, resolution="一号专员办结"),
            lambda: check_resolve(two, request.pk, resolution="二号专员办结"),
        ]
    )
    told = Message.objects.filter(user=user, title__startswith="服务请求已办结").count()
    if not guard:
        assert _resolutions(request.pk) == 2 and told == 2, (
            "the race did not show: the test would prove nothing"
        )
        return
    winners = [r for r in results if isinstance(r, ServiceRequest)]
    losers = [r for r in results if isinstance(r, DomainError)]
    # the loser finds it resolved (409), or no longer in the pool but the winner's (404)
    assert len(winners) == 1 and len(losers) == 1 and losers[0].status in (404, 409)
    final = ServiceRequest.objects.get(pk=request.pk)
    assert final.status == "resolved" and final.resolved_by_id == winners[0].resolved_by_id
    assert final.officer_id == final.resolved_by_id
    assert _resolutions(request.pk) == 1 and told == 1


def test_resolving_and_reassigning_at_once_leave_one_state(make_founder, make_staff):
    user, company, _client = make_founder()
    mine, _ = make_staff("service_officer")
    other, _ = make_staff("service_officer")
    admin, _ = make_staff("town_admin")
    from beiyang.service.models import OfficerAssignment

    OfficerAssignment.objects.create(company=company, officer=mine)
    for round_ in range(4):
        request = do_open_request(user, category="invoice", title=f"开票 {round_}")
        resolved, reassigned = all_at_once(
            [
                lambda r=request: check_resolve(mine, r.pk, resolution="已开票"),
                lambda r=request: check_reassign(admin, r.pk, officer_id=other.pk),
            ]
        )
        final = ServiceRequest.objects.get(pk=request.pk)
        # The company's officer may resolve whichever came first; the story must be one of two.
        assert isinstance(resolved, ServiceRequest) and final.status == "resolved"
        assert final.resolved_by_id == mine.pk and _resolutions(request.pk) == 1
        if isinstance(reassigned, ServiceRequest):  # reassigned, then resolved
            order = list(
                AuditEntry.objects.filter(
                    object_id=str(request.pk),
                    action_type__in=["service.request.reassigned", "service.request.resolved"],
                )
                .order_by("id")
                .values_list("action_type", flat=True)
            )
            assert order == ["service.request.reassigned", "service.request.resolved"]
            assert final.officer_id == other.pk
        else:  # resolved, then the reassignment found it closed
            assert reassigned.status == 409 and final.officer_id == mine.pk
