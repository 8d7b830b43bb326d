from __future__ import annotations

from django.conf import settings
from django.db import models


class Follower(models.Model):
    """A person who follows the town's Official Account, known by their openid; bound to a
    phone account once they sign in through web OAuth, a visitor until then."""

    openid = models.CharField("openid", max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wechat_follower",
    )
    # The agent conversation this openid talks in (a new one when the binding changes, since a
    # conversation belongs to one person or to nobody).
    conversation_id = models.UUIDField(null=True, blank=True)
    subscribed = models.BooleanField("关注中 following", default=True)
    # Message kinds the founder does not want in WeChat (consent per kind; all others are sent).
    declined_kinds = models.JSONField(default=list, blank=True)
    bound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "微信关注者 WeChat follower"
        verbose_name_plural = "微信关注者 WeChat followers"

    def __str__(self) -> str:
        return self.openid


class InboundMessage(models.Model):
    """One message or event WeChat delivered, once: its key (the ``MsgId``, or the sender and
    time of an event) is unique, so WeChat's retries of it find the row and are not answered
    again. The row also settles who answers: the request that waits for the agent, or (when
    the agent took longer than WeChat waits) the customer-service API afterwards."""

    PENDING, ANSWERED, DEFERRED, SENT, FAILED = "pending", "answered", "deferred", "sent", "failed"
    STATUSES = [
        (PENDING, "处理中 pending"),
        (ANSWERED, "已即时回复 answered"),
        (DEFERRED, "稍后发送 deferred"),
        (SENT, "已通过客服消息发送 sent"),
        (FAILED, "发送失败 failed"),
    ]

    key = models.CharField(max_length=120, unique=True)
    openid = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=20)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    reply = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "微信来信 WeChat inbound message"
        verbose_name_plural = "微信来信 WeChat inbound messages"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.key}: {self.status}"


# The town's message kinds as a founder chooses them for WeChat (consent per kind).
KIND_LABELS: dict[str, tuple[str, str]] = {
    "event": ("活动报名与候补", "Event registrations and waitlist"),
    "application": ("申请审核结果", "Application decisions"),
    "service": ("服务请求回复", "Replies to service requests"),
    "agent": ("服务团队回复", "Replies from the service team"),
    "competition": ("大赛结果", "Competition results"),
    "internship": ("实习匹配结果", "Internship placements"),
    "voucher": ("券的变动", "Voucher changes"),
    "match": ("对接推荐", "Introductions"),
    "benefit": ("政策提醒", "Benefit alerts"),
    "system": ("系统通知", "System notices"),
}
