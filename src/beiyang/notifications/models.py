from __future__ import annotations

from django.conf import settings
from django.db import models


class Message(models.Model):
    """One message in a person's inbox. The database row is the message; any push is only a
    wake-up to go and read it."""

    KINDS = [
        ("system", "系统 System"),
        ("benefit", "政策 Benefit"),
        ("event", "活动 Event"),
        ("application", "申请 Application"),
        ("voucher", "券 Voucher"),
        ("match", "对接 Match"),
        ("agent", "服务 Service"),
    ]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField("类型 kind", max_length=20, choices=KINDS, default="system")
    title = models.CharField("标题 title", max_length=200)
    body = models.TextField("内容 body", blank=True)
    link = models.CharField("链接 link", max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(
        max_length=120,
        blank=True,
        help_text="Set to make a message at most once per person, e.g. one benefit alert",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "消息 message"
        verbose_name_plural = "消息 messages"
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notifications_message_unique_dedupe",
            ),
        ]

    def __str__(self) -> str:
        return self.title
