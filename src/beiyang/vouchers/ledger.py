"""Ledger primitives. Callers hold a transaction; these only move totals and append transfers.

The guard is one statement: ``UPDATE account SET debits_… = debits_… + x WHERE id = … AND
debits_posted + debits_pending + x <= credits_posted``. If it changes no row the money is not
there and nothing is written. A check constraint on the table is the second line.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
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


@dataclass(frozen=True)
class Move:
    """One transfer to make: ``amount`` fen from ``debit`` to ``credit``; with ``pending_until``
    a hold, until posted, voided or timed out."""

    debit: Account
    credit: Account
    amount: int
    code: str
    memo: str = ""
    pending_until: dt.datetime | None = None


def _debit(account: Account, column: str, amount: int) -> None:
    qs = Account.objects.filter(pk=account.pk)
    if account.debits_must_not_exceed_credits:
        qs = qs.filter(credits_posted__gte=F("debits_posted") + F("debits_pending") + amount)
    if not qs.update(**{column: F(column) + amount}):
        raise InsufficientFunds("余额不足", "Not enough balance", field="amount", code="insufficient_balance")


def _credit(column: str, amounts: dict[int, int]) -> None:
    """Credit several accounts in one statement. Written out by hand: for a CASE over a batch
    of accounts the ORM spends several times longer building the statement than the database
    spends running it."""
    if len(amounts) == 1:
        [(pk, amount)] = amounts.items()
        Account.objects.filter(pk=pk).update(**{column: F(column) + amount})
        return
    assert column in ("credits_posted", "credits_pending")
    whens = " ".join("WHEN %s THEN %s" for _ in amounts)
    marks = ", ".join("%s" for _ in amounts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Account._meta.db_table} SET {column} = {column} + CASE id {whens} ELSE 0 END "
            f"WHERE id IN ({marks})",
            [value for pair in amounts.items() for value in pair] + list(amounts),
        )


def transfer_many(moves: list[Move]) -> list[Transfer]:
    """Make a batch of transfers. Each account's totals move once, by the sum of its moves (a
    guarded account's sum is checked by the same statement that adds it: if the sum fits, every
    part does), in account order so that concurrent batches lock rows in the same order; then
    the transfers are appended in one insert. A refusal raises and the caller's transaction
    rolls the whole batch back."""
    debits: dict[tuple[int, str], int] = defaultdict(int)
    credits: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    accounts: dict[int, Account] = {}
    for move in moves:
        if move.amount <= 0:
            raise ValueError("transfers move a positive amount")
        pending = move.pending_until is not None
        accounts[move.debit.pk] = move.debit
        debits[(move.debit.pk, "debits_pending" if pending else "debits_posted")] += move.amount
        credits["credits_pending" if pending else "credits_posted"][move.credit.pk] += move.amount
    for (pk, column), amount in sorted(debits.items()):
        _debit(accounts[pk], column, amount)
    for column, amounts in sorted(credits.items()):
        _credit(column, dict(sorted(amounts.items())))
    return Transfer.objects.bulk_create(
        [
            Transfer(
                debit=move.debit,
                credit=move.credit,
                amount_fen=move.amount,
                code=move.code,
                memo=move.memo[:200],
                status=Transfer.PENDING if move.pending_until is not None else Transfer.POSTED,
                timeout_at=move.pending_until,
            )
            for move in moves
        ]
    )


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
    return transfer_many([Move(debit, credit, amount, code, memo, pending_until)])[0]


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
