from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

STATUSES = {
    "draft": ("草稿", "Draft"),
    "submitted": ("已提交", "Submitted"),
    "in_review": ("审核中", "In review"),
    "needs_info": ("待补充材料", "Needs information"),
    "approved": ("已批准", "Approved"),
    "rejected": ("未通过", "Rejected"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "disbursed": ("已拨付", "Disbursed"),
}
OPEN = ("draft", "submitted", "in_review", "needs_info")
LANES = {"priority": ("优先通道", "Priority"), "normal": ("普通通道", "Normal")}


class Application(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    policy_id = models.CharField("政策 policy", max_length=60)
    pack_version = models.CharField(max_length=40)
    status = models.CharField(
        "状态 status", max_length=12, choices=[(k, v[0]) for k, v in STATUSES.items()], default="draft"
    )
    lane = models.CharField(
        "通道 lane", max_length=10, choices=[(k, v[0]) for k, v in LANES.items()], default="normal"
    )
    amount_requested_fen = models.BigIntegerField(null=True, blank=True)
    max_amount_fen = models.BigIntegerField(
        null=True, blank=True, help_text="The engine's maximum at the last check"
    )
    granted_fen = models.BigIntegerField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    eligibility = models.JSONField(
        default=dict, blank=True, help_text="The engine's answer at the last check"
    )
    eligibility_changed = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_applications",
    )
    sla_days = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True, db_index=True)
    due_estimated = models.BooleanField(
        default=False, help_text="The holiday calendar for that year is not out yet"
    )
    paused_on = models.DateField(null=True, blank=True)
    paused_days_left = models.PositiveIntegerField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_approved_fen = models.BigIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    criteria_checked = models.JSONField(default=list, blank=True)
    waiver_from = models.DateField(null=True, blank=True)
    waiver_until = models.DateField(null=True, blank=True)
    voucher_grant_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "申请 application"
        verbose_name_plural = "申请 applications"
        ordering = ["-id"]
        constraints = [
            # One open application per company and policy, whatever the concurrency.
            models.UniqueConstraint(
                fields=["company", "policy_id"],
                condition=Q(status__in=list(OPEN)),
                name="applications_one_open_per_policy",
            ),
        ]
        indexes = [models.Index(fields=["status", "lane", "due_on"])]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.pk} ({self.status})"


def document_path(instance: Document, filename: str) -> str:
    return f"applications/{instance.application_id}/{instance.sha256[:16]}-{filename[-80:]}"


class Document(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField("材料类型 document type", max_length=40)
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申请材料 document"
        verbose_name_plural = "申请材料 documents"

    def __str__(self) -> str:
        return f"{self.doc_type}: {self.original_name}"
