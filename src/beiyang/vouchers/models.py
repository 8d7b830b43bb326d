"""A double-entry ledger for vouchers, after TigerBeetle.

Every movement of money is a ``Transfer`` from one ``Account`` (debit) to another (credit),
append-only. Accounts keep running totals of posted and pending debits and credits; an
account flagged ``debits_must_not_exceed_credits`` (budget pools, company grants) is changed
only by a guarded ``UPDATE … WHERE debits + amount <= credits``, so no concurrency can spend
what is not there. Balances are derived from the totals; ``beiyang reconcile`` recomputes the
totals from the transfers and proves they match.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class PackVoucherKinds(Mapping):
    """``{kind: (zh, en)}`` for the voucher kinds of the pack in force, read on each use: a town
    defines its own kinds (``voucher_kinds`` in pack.yaml), so none is written here."""

    def _kinds(self) -> dict:
        from beiyang.policies.queries import voucher_kinds

        return voucher_kinds()

    def __getitem__(self, kind: str) -> tuple[str, str]:
        name = self._kinds()[kind]
        return (name.zh, name.en)

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds())

    def __len__(self) -> int:
        return len(self._kinds())


KINDS = PackVoucherKinds()
SOURCES = {"city": ("市级", "City"), "district": ("区级", "District")}


class Account(models.Model):
    TREASURY, POOL, GRANT, PROVIDER, EXPIRED = "treasury", "pool", "grant", "provider", "expired"
    TYPES = [
        (TREASURY, "财政拨款 treasury"),
        (POOL, "预算池 budget pool"),
        (GRANT, "企业券额 company grant"),
        (PROVIDER, "服务商应收 provider receivable"),
        (EXPIRED, "过期回收 expired"),
    ]

    code = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=10, choices=TYPES)
    debits_must_not_exceed_credits = models.BooleanField(default=False)
    debits_posted = models.BigIntegerField(default=0)
    credits_posted = models.BigIntegerField(default=0)
    debits_pending = models.BigIntegerField(default=0)
    credits_pending = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "账户 account"
        verbose_name_plural = "账户 accounts"
        constraints = [
            models.CheckConstraint(
                condition=Q(debits_must_not_exceed_credits=False)
                | Q(debits_posted__lte=F("credits_posted") - F("debits_pending")),
                name="vouchers_account_no_overdraft",
            ),
            models.CheckConstraint(
                condition=Q(debits_posted__gte=0)
                & Q(credits_posted__gte=0)
                & Q(debits_pending__gte=0)
                & Q(credits_pending__gte=0),
                name="vouchers_account_totals_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def balance_fen(self) -> int:
        """Credits less debits, pending debits held back."""
        return self.credits_posted - self.debits_posted - self.debits_pending


class Transfer(models.Model):
    """One movement; never edited except a pending one's status (post, void, expire)."""

    POSTED, PENDING, CAPTURED, VOIDED, EXPIRED = "posted", "pending", "captured", "voided", "expired"
    STATUSES = [
        (POSTED, "已记账 posted"),
        (PENDING, "冻结中 pending"),
        (CAPTURED, "已确认 captured"),
        (VOIDED, "已撤销 voided"),
        (EXPIRED, "已过期 expired"),
    ]
    CODES = [
        ("fund", "拨款 funding"),
        ("grant", "发券 grant"),
        ("redeem", "核销 redemption"),
        ("reverse", "退款 reversal"),
        ("expire", "过期 expiry"),
    ]

    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debit_transfers")
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_transfers")
    amount_fen = models.BigIntegerField()
    code = models.CharField(max_length=10, choices=CODES)
    status = models.CharField(max_length=10, choices=STATUSES, default=POSTED)
    pending_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For the posting of a captured hold: the hold it posts",
    )
    timeout_at = models.DateTimeField(null=True, blank=True)
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "转账 transfer"
        verbose_name_plural = "转账 transfers"
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="vouchers_transfer_positive"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="vouchers_transfer_two_accounts"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.amount_fen} {self.debit_id}→{self.credit_id} ({self.status})"


class BudgetPool(models.Model):
    """A programme's budget for one kind, one source and one year."""

    kind = models.CharField(max_length=10)  # one of the pack's voucher kinds
    source = models.CharField(max_length=10, choices=[(k, v[0]) for k, v in SOURCES.items()])
    year = models.PositiveIntegerField()
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="pool")

    class Meta:
        verbose_name = "预算池 budget pool"
        verbose_name_plural = "预算池 budget pools"
        constraints = [
            models.UniqueConstraint(fields=["kind", "source", "year"], name="vouchers_pool_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.source}"


class Grant(models.Model):
    ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"

    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="voucher_grants")
    kind = models.CharField(max_length=10)  # one of the pack's voucher kinds
    year = models.PositiveIntegerField()
    amount_fen = models.BigIntegerField()
    city_fen = models.BigIntegerField()
    district_fen = models.BigIntegerField()
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="grant")
    valid_from = models.DateField()
    valid_until = models.DateField()
    status = models.CharField(
        max_length=10,
        default=ACTIVE,
        choices=[(ACTIVE, "有效 active"), (EXPIRED, "已过期 expired"), (REVOKED, "已撤销 revoked")],
    )
    application_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "券额 grant"
        verbose_name_plural = "券额 grants"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen=F("city_fen") + F("district_fen")), name="vouchers_grant_split_adds_up"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.kind} {self.amount_fen}"


class Redemption(models.Model):
    HELD, POSTED, VOIDED, EXPIRED, REVERSED = "held", "posted", "voided", "expired", "reversed"
    LIVE = (HELD, POSTED)

    provider = models.ForeignKey("accounts.Provider", on_delete=models.PROTECT, related_name="redemptions")
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="redemptions")
    kind = models.CharField(max_length=10)
    invoice_no = models.CharField(max_length=64)
    contract_no = models.CharField(max_length=64)
    invoice_amount_fen = models.BigIntegerField()
    subsidy_fen = models.BigIntegerField()
    city_fen = models.BigIntegerField()
    district_fen = models.BigIntegerField()
    status = models.CharField(max_length=10)
    idempotency_key = models.CharField(max_length=80)
    request_hash = models.CharField(max_length=64)
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="+")
    reversal = models.ForeignKey(Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "核销 redemption"
        verbose_name_plural = "核销 redemptions"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "idempotency_key"], name="vouchers_redemption_idempotent"
            ),
            models.UniqueConstraint(
                fields=["provider", "invoice_no"],
                condition=Q(status__in=["held", "posted"]),
                name="vouchers_invoice_once",
            ),
            models.UniqueConstraint(
                fields=["grant", "contract_no"],
                condition=Q(status__in=["held", "posted"]),
                name="vouchers_contract_once",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_fen=F("city_fen") + F("district_fen")),
                name="vouchers_redemption_split_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.invoice_no} {self.subsidy_fen} ({self.status})"


class GrantProposal(models.Model):
    """A grant above the pack's four-eyes figure, proposed by one voucher officer and issued only
    when a second one approves it (the proposer never approves their own)."""

    PENDING, APPROVED, REFUSED = "pending", "approved", "refused"

    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="grant_proposals")
    kind = models.CharField(max_length=10)  # one of the pack's voucher kinds
    amount_fen = models.BigIntegerField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10,
        default=PENDING,
        choices=[(PENDING, "待复核 pending"), (APPROVED, "已批准 approved"), (REFUSED, "已驳回 refused")],
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    grant = models.OneToOneField(
        Grant, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "待复核券额 grant proposal"
        verbose_name_plural = "待复核券额 grant proposals"
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="vouchers_proposal_positive"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="vouchers_proposal_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.kind} {self.amount_fen} ({self.status})"
