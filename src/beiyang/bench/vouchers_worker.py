"""The voucher benchmark's database side, run in a subprocess on its own database (see
vouchers.py). ``setup P`` makes the books, one grant and P providers and prints their API keys;
``baseline P EACH`` measures the guarded update alone, batched as redemptions are; ``check``
prints the books after the providers' requests."""

from __future__ import annotations

import json
import sys
import threading
import time

import django

BENCH_PHONE = "13900000000"


def setup(providers: int) -> dict:
    # Imported when run: the bench loads before Django is set up (and in worker subprocesses).
    from django.core.management import call_command
    from django.utils import timezone

    from beiyang.accounts.actions import do_create_provider
    from beiyang.accounts.models import User
    from beiyang.companies.models import Company, Membership
    from beiyang.core.identifiers import make_credit_code
    from beiyang.vouchers.actions import do_fund_pool, do_issue_grant

    call_command("migrate", verbosity=0)
    year = timezone.localdate().year
    for source in ("city", "district"):
        do_fund_pool(kind="compute", source=source, year=year, amount_fen=10**12)
    company = Company.objects.create(
        credit_code=make_credit_code(1), name="压测企业", district="徐汇", stage="seed", sectors=["llm"]
    )
    # A founder of the company, so that every redemption also writes the founder's message.
    founder = User.objects.create(phone=BENCH_PHONE, name="压测创业者", password="!")
    Membership.objects.create(user=founder, company=company)
    grant = do_issue_grant(company=company, kind="compute", amount_fen=1_000_000_00)
    keys = [do_create_provider(name=f"bench provider {i}", kinds=["compute"])[1] for i in range(providers)]
    return {"keys": keys, "credit_code": company.credit_code, "grant_account": grant.account_id}


def baseline(providers: int, each: int) -> dict:
    """The database's ceiling for this workload: each request one guarded debit of the same
    account, requests arriving together applied by one ``UPDATE … WHERE`` in one transaction
    (the same ``GroupCommit`` and batch size as redemptions), from as many threads."""
    # Imported when run: the bench loads before Django is set up (and in worker subprocesses).
    from django.db import connection, transaction
    from django.db.models import F

    from beiyang.core.groupcommit import GroupCommit
    from beiyang.vouchers.models import Account

    scratch = Account.objects.create(
        code="bench:scratch", type=Account.GRANT, debits_must_not_exceed_credits=True, credits_posted=10**12
    )

    def debit_batch(amounts):
        total = sum(amounts)
        with transaction.atomic(durable=True):
            moved = Account.objects.filter(
                pk=scratch.pk, credits_posted__gte=F("debits_posted") + F("debits_pending") + total
            ).update(debits_posted=F("debits_posted") + total)
        return [moved == 1] * len(amounts)

    debits = GroupCommit(debit_batch)
    barrier = threading.Barrier(providers)

    def provider(_i: int) -> None:
        try:
            barrier.wait()
            for _ in range(each):
                debits.submit("debit", 100)
        finally:
            connection.close()

    threads = [threading.Thread(target=provider, args=(i,)) for i in range(providers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    scratch.refresh_from_db()
    assert scratch.debits_posted == providers * each * 100
    scratch.delete()  # it moved without transfers; it is not part of the books
    return {"raw_s": seconds, "raw_per_second": providers * each / seconds}


def check() -> dict:
    # Imported when run: the bench loads before Django is set up (and in worker subprocesses).
    from django.db import connection

    from beiyang.notifications.models import Message
    from beiyang.vouchers.models import Account, Redemption
    from beiyang.vouchers.queries import reconcile

    account = Account.objects.get(pk=json.loads(sys.argv[2])["grant_account"])
    accepted = Redemption.objects.filter(status="posted").count()
    return {
        "accepted_rows": accepted,
        "balance_fen": account.balance_fen,
        "spent_fen": account.debits_posted,
        "expected_spent_fen": accepted * 100,
        "books_balanced": reconcile()["balanced"],
        "messages": Message.objects.filter(user__phone=BENCH_PHONE, kind="voucher").count(),
        "vendor": connection.vendor,
    }


def main() -> None:
    django.setup()
    mode = sys.argv[1]
    if mode == "setup":
        out = setup(int(sys.argv[2]))
    elif mode == "baseline":
        out = baseline(int(sys.argv[2]), int(sys.argv[3]))
    else:
        out = check()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
