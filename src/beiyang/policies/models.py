from __future__ import annotations

from django.conf import settings
from django.db import models


class PackVersion(models.Model):
    """One version of a policy pack, stored whole (file name → YAML text) so versions can be
    compared, previewed against every company, and published."""

    DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
    STATUSES = [(DRAFT, "草稿 draft"), (PUBLISHED, "已发布 published"), (RETIRED, "已停用 retired")]

    pack_id = models.CharField("政策包 pack", max_length=60, default="beiyang")
    version = models.CharField("版本 version", max_length=40)
    checksum = models.CharField(max_length=64)
    files = models.JSONField("文件 files")
    status = models.CharField("状态 status", max_length=12, choices=STATUSES, default=DRAFT)
    note = models.CharField("说明 note", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "政策包版本 pack version"
        verbose_name_plural = "政策包版本 pack versions"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["pack_id", "version"], name="policies_pack_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pack_id} {self.version} ({self.status})"


class BenefitMatch(models.Model):
    """The latest answer for a company and a policy, kept so that 政策找人 can tell which
    benefits a company newly qualifies for."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="benefit_matches")
    policy_id = models.CharField(max_length=60)
    status = models.CharField(max_length=14)
    amount_fen = models.BigIntegerField(null=True, blank=True)
    pack_version = models.CharField(max_length=40)
    evaluated_at = models.DateTimeField(auto_now=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "政策匹配 benefit match"
        verbose_name_plural = "政策匹配 benefit matches"
        constraints = [models.UniqueConstraint(fields=["company", "policy_id"], name="policies_match_unique")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.policy_id} {self.status}"
