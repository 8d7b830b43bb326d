from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One state change: who did what to which object, with the values before and after.

    Written by actions only, in the same transaction as the change it records, so a change
    without its audit entry cannot exist.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人 actor",
    )
    actor_label = models.CharField(
        "操作人标识 actor label",
        max_length=120,
        blank=True,
        help_text="System, job or provider name when there is no user",
    )
    action_type = models.CharField("操作类型 action type", max_length=120, db_index=True)
    object_type = models.CharField("对象类型 object type", max_length=80, blank=True)
    object_id = models.CharField("对象ID object id", max_length=64, blank=True)
    before = models.JSONField("变更前 before", null=True, blank=True)
    after = models.JSONField("变更后 after", null=True, blank=True)
    data = models.JSONField("附加信息 data", default=dict, blank=True)

    class Meta:
        verbose_name = "审计记录 audit entry"
        verbose_name_plural = "审计记录 audit log"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action_type} {self.object_type}#{self.object_id}"


class JobRun(models.Model):
    """The last slot a daily job was started and finished for, so that a worker that was down at
    a job's minute runs it when it starts (``core/jobs.py``)."""

    name = models.CharField(max_length=120, unique=True)
    started_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_for = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "定时任务运行 job run"
        verbose_name_plural = "定时任务运行 job runs"

    def __str__(self) -> str:
        return f"{self.name}: {self.finished_for}"
