"""Ledger primitives. Callers hold a transaction; these only move totals and append transfers.

The guard is one statement: ``UPDATE account SET debits_… = debits_… + x WHERE id = … AND
debits_posted + debits_pending + x <= credits_posted``. If it changes no row the money is not
there and nothing is written. A check constraint on the table is the second line.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F

from beiyang.core.errors import Conflict
from beiyang.vouchers.models import Account, Transfer

GUARDED_TYPES = {Account.POOL, Account.GRANT}


class InsufficientFunds(Conflict):
    code = "insufficient_balance"


def open_account(code: str, type_: str) -> Account:
    account, _ = Account.objects.get_or_create(
        code=code, defaults={"type": type_, "debits_must_not_exceed_credits": type_ in GUARDED_TYPES}
    )
    return account


def _debit(account: Account, amount: int, *, pending: bool) -> None:
    column = "debits_pending" if pending else "debits_posted"
    qs = Account.objects.filter(pk=account.pk)
    if account.debits_must_not_exceed_credits and settings.VOUCHERS_BALANCE_GUARD:
        qs = qs.filter(credits_posted__gte=F("debits_posted") + F("debits_pending") + amount)
    if not qs.update(**{column: F(column) + amount}):
        raise InsufficientFunds("余额不足", "Not enough balance", field="amount", code="insufficient_balance")


def _credit(account: Account, amount: int, *, pending: bool) -> None:
    column = "credits_pending" if pending else "credits_posted"
    Account.objects.filter(pk=account.pk).update(**{column: F(column) + amount})


def transfer(
    debit: Account,
    credit: Account,
    amount: int,
    code: str,
    *,
    memo: str = "",
    pending_until: dt.datetime | None = None,
) -> Transfer:
    """Move ``amount`` fen; a pending transfer holds it until posted, voided or timed out."""
    if amount <= 0:
        raise ValueError("transfers move a positive amount")
    pending = pending_until is not None
    _debit(debit, amount, pending=pending)
    _credit(credit, amount, pending=pending)
    return Transfer.objects.create(
        debit=debit,
        credit=credit,
        amount_fen=amount,
        code=code,
        memo=memo[:200],
        status=Transfer.PENDING if pending else Transfer.POSTED,
        timeout_at=pending_until,
    )


def post_pending(hold: Transfer) -> Transfer:
    """Turn a hold into a posted transfer (a new row pointing at the hold)."""
    amount = hold.amount_fen
    Account.objects.filter(pk=hold.debit_id).update(
        debits_pending=F("debits_pending") - amount, debits_posted=F("debits_posted") + amount
    )
    Account.objects.filter(pk=hold.credit_id).update(
        credits_pending=F("credits_pending") - amount, credits_posted=F("credits_posted") + amount
    )
    hold.status = Transfer.CAPTURED
    hold.save(update_fields=["status"])
    return Transfer.objects.create(
        debit_id=hold.debit_id,
        credit_id=hold.credit_id,
        amount_fen=amount,
        code=hold.code,
        memo=hold.memo,
        status=Transfer.POSTED,
        pending_of=hold,
    )


def release_pending(hold: Transfer, status: str) -> None:
    """Void (or expire) a hold: the money is available again."""
    amount = hold.amount_fen
    Account.objects.filter(pk=hold.debit_id).update(debits_pending=F("debits_pending") - amount)
    Account.objects.filter(pk=hold.credit_id).update(credits_pending=F("credits_pending") - amount)
    hold.status = status
    hold.save(update_fields=["status"])
