"""Many providers redeeming against one grant at once: with the guards patched out the
check-then-write race lets more through than the balance (only the table's constraint stops
the overdraft); with them every request is either accepted once or refused cleanly.

The guards are the one path production has: redemptions settled together by the group commit
on the grants' locked account rows (``_redemptions``), and the ledger's debit that moves money
only while the balance covers it (``ledger._debit``). The test replaces both with what a naive
action would do: every provider checks the balance before any writes, and debits blindly."""

import threading
from functools import partial

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from beiyang.accounts.actions import do_create_provider
from beiyang.core.errors import Conflict
from beiyang.core.tests.threads import all_at_once
from beiyang.vouchers import actions, ledger
from beiyang.vouchers.actions import check_redeem, do_fund_pool, do_issue_grant
from beiyang.vouchers.models import Account, Redemption
from beiyang.vouchers.queries import reconcile

pytestmark = pytest.mark.django_db(transaction=True)
PROVIDERS = 8
EACH = 3  # requests per provider; each wants 10,000 of a 50,000 grant


def _hammer(company, providers):
    """Each provider sends its requests one after another; the providers start together."""

    def work(i, provider):
        outcomes = []
        for j in range(EACH):
            try:
                check_redeem(
                    provider,
                    {
                        "company_credit_code": company.credit_code,
                        "kind": "compute",
                        "invoice_no": f"P{i}-{j}",
                        "contract_no": f"C{i}-{j}",
                        "invoice_amount_cny": "20000",
                    },
                    idempotency_key=f"{i}-{j}",
                )
                outcomes.append("accepted")
            except Conflict as exc:
                outcomes.append(exc.code)
        return outcomes

    results = all_at_once([partial(work, i, p) for i, p in enumerate(providers)])
    unexpected = [r for r in results if not isinstance(r, list)]
    assert not unexpected, unexpected  # anything but a clean refusal fails the test
    return [outcome for per_provider in results for outcome in per_provider]


class _CheckThenWrite:
    """In place of the group commit and its lock: the balance read outside the transaction,
    every provider's request of a round checked before any is written (a barrier, not a sleep,
    orders the steps); an overdraft the table refuses is a clean 409."""

    def __init__(self, providers: int) -> None:
        self.checked = threading.Barrier(providers)

    def submit(self, _key: str, request):
        try:
            plan = actions._Books([request], lock=False).plan(request)
        finally:  # a request refused here still keeps its round in step with the others
            self.checked.wait(timeout=30)
        try:
            with transaction.atomic(durable=True):
                return actions._write_redemptions([plan])[0], True
        except IntegrityError:
            raise Conflict(
                "余额校验失败(数据库约束拦截)", "Overdraft blocked", code="overdraft_blocked"
            ) from None


def _debit_blindly(account: Account, column: str, amount: int) -> None:
    Account.objects.filter(pk=account.pk).update(**{column: F(column) + amount})


@pytest.mark.parametrize("guard", [False, True], ids=["guard-off", "guard-on"])
def test_overspend(monkeypatch, founder, guard, caplog):
    if not guard:
        monkeypatch.setattr(actions, "_redemptions", _CheckThenWrite(PROVIDERS))
        monkeypatch.setattr(ledger, "_debit", _debit_blindly)
    _user, company, _api = founder
    year = timezone.localdate().year
    for source in ("city", "district"):
        do_fund_pool(kind="compute", source=source, year=year, amount_fen=1_000_000_00)
    grant = do_issue_grant(company=company, kind="compute", amount_fen=50_000_00)
    providers = [do_create_provider(name=f"provider {i}", kinds=["compute"])[0] for i in range(PROVIDERS)]
    outcomes = _hammer(company, providers)
    account = Account.objects.get(pk=grant.account_id)
    assert account.balance_fen >= 0  # never, with or without the application guard
    if not guard:
        assert "overdraft_blocked" in outcomes, "the race did not show: the test would prove nothing"
        return
    assert outcomes.count("accepted") == 5 and set(outcomes) == {"accepted", "insufficient_balance"}
    assert Redemption.objects.filter(status="posted").count() == 5 and account.balance_fen == 0
    assert reconcile()["balanced"]
    assert "one by one" not in caplog.text  # the batches settled as batches
