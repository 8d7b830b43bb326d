"""The voucher benchmark's body, run in a subprocess on its own database (see vouchers.py)."""

from __future__ import annotations

import json
import sys
import threading
import time

import django


def main(providers: int, each: int) -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F
    from django.utils import timezone

    from beiyang.accounts.actions import do_create_provider
    from beiyang.accounts.models import User
    from beiyang.companies.models import Company, Membership
    from beiyang.core.identifiers import make_credit_code
    from beiyang.notifications.models import Message
    from beiyang.vouchers.actions import check_redeem, do_fund_pool, do_issue_grant
    from beiyang.vouchers.models import Account, Redemption
    from beiyang.vouchers.queries import reconcile

    call_command("migrate", verbosity=0)
    year = timezone.localdate().year
    for source in ("city", "district"):
        do_fund_pool(kind="compute", source=source, year=year, amount_fen=10**12)
    company = Company.objects.create(
        credit_code=make_credit_code(1), name="压测企业", district="徐汇", stage="seed", sectors=["llm"]
    )
    # A founder of the company, so that every redemption also writes the founder's message.
    founder = User.objects.create(phone="13900000000", name="压测创业者", password="!")
    Membership.objects.create(user=founder, company=company)
    grant = do_issue_grant(company=company, kind="compute", amount_fen=1_000_000_00)
    makers = [do_create_provider(name=f"bench provider {i}", kinds=["compute"])[0] for i in range(providers)]
    scratch = Account.objects.create(
        code="bench:scratch", type=Account.GRANT, debits_must_not_exceed_credits=True, credits_posted=10**12
    )

    def run_threads(target) -> float:
        barrier = threading.Barrier(providers)

        def wrapped(i):
            try:
                barrier.wait()
                target(i)
            finally:
                connection.close()

        threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(providers)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started

    def raw_updates(_i):
        # The database's own ceiling for this workload: one guarded update per transaction.
        for _ in range(each):
            with transaction.atomic():
                Account.objects.filter(
                    pk=scratch.pk, credits_posted__gte=F("debits_posted") + F("debits_pending") + 1
                ).update(debits_posted=F("debits_posted") + 1)

    errors: list[str] = []

    def redemptions(i):
        for j in range(each):
            try:
                check_redeem(
                    makers[i],
                    {
                        "company_credit_code": company.credit_code,
                        "kind": "compute",
                        "invoice_no": f"B{i}-{j}",
                        "contract_no": f"BC{i}-{j}",
                        "invoice_amount_cny": "2.00",
                    },
                    idempotency_key=f"b-{i}-{j}",
                )
            except Exception as exc:  # counted and reported: the benchmark expects none
                errors.append(type(exc).__name__)

    raw_s = run_threads(raw_updates)
    redeem_s = run_threads(redemptions)
    scratch.delete()  # the raw-rate account moved without transfers; it is not part of the books
    books = reconcile()
    account = Account.objects.get(pk=grant.account_id)
    accepted = Redemption.objects.filter(status="posted").count()
    json.dump(
        {
            "providers": providers,
            "each": each,
            "raw_s": raw_s,
            "raw_per_second": providers * each / raw_s,
            "redeem_s": redeem_s,
            "accepted": accepted,
            "accepted_per_second": accepted / redeem_s,
            "errors": len(errors),
            "balance_fen": account.balance_fen,
            "spent_fen": account.debits_posted,
            "expected_spent_fen": accepted * 100,
            "books_balanced": books["balanced"],
            "messages": Message.objects.filter(user=founder, kind="voucher").count(),
            "vendor": connection.vendor,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
