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
    title_en = models.CharField("英文标题 title (en)", max_length=200, blank=True)
    body_en = models.TextField("英文内容 body (en)", blank=True)
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


class ChannelPreference(models.Model):
    """Which channels a person wants besides the inbox, and when not to be disturbed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preference"
    )
    email = models.BooleanField("邮件 email", default=True)
    sms = models.BooleanField("短信 SMS", default=True)
    webhook = models.BooleanField("第三方推送 webhook (WeChat…)", default=False)
    # Turned on by binding a WeChat (beiyang.wechat), off by unbinding.
    wechat = models.BooleanField("微信服务号 WeChat", default=False)
    language = models.CharField(
        "语言 language", max_length=8, choices=[("zh-hans", "中文"), ("en", "English")], default="zh-hans"
    )
    quiet_start = models.TimeField("免打扰开始 quiet from", null=True, blank=True)
    quiet_end = models.TimeField("免打扰结束 quiet until", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "通知偏好 channel preference"
        verbose_name_plural = "通知偏好 channel preferences"

    def __str__(self) -> str:
        return f"{self.user_id}: email={self.email} sms={self.sms} webhook={self.webhook}"


class Delivery(models.Model):
    """One message over one channel, and the history of sending it: an outbox row, written in
    the same transaction as its message. A worker claims it for ``claimed_until`` (a lease),
    sends it outside any transaction and records the outcome; a claim whose worker died
    expires and the sweep sends it again, under the same ``idempotency_key``."""

    QUEUED, SENT, FAILED, SKIPPED = "queued", "sent", "failed", "skipped"
    STATUSES = [
        (QUEUED, "排队 queued"),
        (SENT, "已发送 sent"),
        (FAILED, "失败 failed"),
        (SKIPPED, "跳过 skipped"),
    ]
    CHANNELS = [
        ("email", "邮件 email"),
        ("sms", "短信 SMS"),
        ("webhook", "第三方推送 webhook"),
        ("wechat", "微信服务号 WeChat"),
    ]

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=CHANNELS)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=120, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "投递记录 delivery"
        verbose_name_plural = "投递记录 deliveries"
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="notifications_delivery_unique")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notifications_delivery_due")]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.channel}: {self.status}"

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt of this delivery: a gateway that saw it drops a repeat."""
        return f"beiyang-delivery-{self.pk}"
