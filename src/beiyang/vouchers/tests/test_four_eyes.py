"""Four eyes on large grants: above the pack's ``vouchers.second_approval_above_cny`` a grant is
a proposal until a second voucher officer approves it; the proposer never approves their own,
and of several officers approving at once exactly one issues it."""

from __future__ import annotations

from functools import partial

import pytest
from conftest import assert_api_error

from beiyang.core.errors import AccessDenied, Conflict
from beiyang.core.tests.threads import all_at_once
from beiyang.vouchers.actions import check_approve_grant, second_approval_above_fen
from beiyang.vouchers.models import Grant, GrantProposal
from beiyang.vouchers.queries import reconcile


def _grant(api, company, amount):
    return api.post(
        "staff/vouchers/grants",
        {"company_credit_code": company.credit_code, "kind": "compute", "amount_cny": amount},
    )


@pytest.mark.django_db
def test_the_figure_is_the_packs_with_a_chinese_label():
    from beiyang.policies.queries import current_pack

    pack = current_pack()
    assert second_approval_above_fen() == 200_000_00
    parameter = pack.parameters["vouchers.second_approval_above_cny"]
    assert parameter.label.zh and not parameter.label.zh.isascii()


@pytest.mark.django_db
def test_a_large_grant_waits_for_a_second_officer(funded, founder, make_staff):
    _user, company, _client = founder
    proposer, first = make_staff("voucher_officer")
    _second_user, second = make_staff("voucher_officer")
    assert _grant(first, company, 200_000).status_code == 201  # at the figure: at once
    proposed = _grant(first, company, 500_000)
    assert proposed.status_code == 202, proposed.content
    proposal = proposed.json()
    assert proposal["status"] == "pending" and proposal["proposed_by"] == proposer.pk
    assert Grant.objects.count() == 1  # nothing issued yet
    listed = second.get("staff/vouchers/grant-proposals").json()
    assert [p["id"] for p in listed] == [proposal["id"]]
    own = first.post(f"staff/vouchers/grant-proposals/{proposal['id']}/approve")
    assert assert_api_error(own, 403)["code"] == "four_eyes"
    approved = second.post(f"staff/vouchers/grant-proposals/{proposal['id']}/approve")
    assert approved.status_code == 201, approved.content
    assert Grant.objects.count() == 2 and GrantProposal.objects.get().grant_id == approved.json()["id"]
    again = second.post(f"staff/vouchers/grant-proposals/{proposal['id']}/approve")
    assert assert_api_error(again, 409)["code"] == "already_decided"


@pytest.mark.django_db
def test_a_refused_proposal_issues_nothing(funded, founder, make_staff):
    _user, company, _client = founder
    _p, first = make_staff("voucher_officer")
    _s, second = make_staff("voucher_officer")
    proposal = _grant(first, company, 600_000).json()
    assert (
        second.post(f"staff/vouchers/grant-proposals/{proposal['id']}/refuse").json()["status"] == "refused"
    )
    assert not Grant.objects.exists()
    late = second.post(f"staff/vouchers/grant-proposals/{proposal['id']}/approve")
    assert assert_api_error(late, 409)["code"] == "already_decided"


@pytest.mark.django_db(transaction=True)
def test_officers_approving_at_once_issue_the_grant_once(funded, founder, make_staff):
    """Six officers (and the proposer, twice) approve one proposal at the same moment: one grant,
    one approval, the proposer refused, the others told it was decided; the ledger reconciles."""
    _user, company, _client = founder
    proposer, first = make_staff("voucher_officer")
    proposal_id = _grant(first, company, 800_000).json()["id"]
    officers = [make_staff("voucher_officer")[0] for _ in range(6)]
    calls = [partial(check_approve_grant, o, proposal_id) for o in [*officers, proposer, proposer]]
    results = all_at_once(calls)
    issued = [r for r in results if isinstance(r, Grant)]
    assert len(issued) == 1, results
    assert all(isinstance(r, AccessDenied) and r.code == "four_eyes" for r in results[-2:]), results
    assert all(isinstance(r, Grant | Conflict) for r in results[:-2]), results
    assert Grant.objects.filter(company=company).count() == 1
    proposal = GrantProposal.objects.get()
    assert proposal.status == "approved" and proposal.decided_by_id in {o.pk for o in officers}
    assert reconcile()["balanced"], reconcile()
