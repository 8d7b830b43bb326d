from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False
    )  # not guessable: visitors hold it
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conversations",
    )
    state = models.JSONField(default=dict, blank=True)
    handed_over = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "会话 conversation"
        verbose_name_plural = "会话 conversations"

    def __str__(self) -> str:
        return str(self.id)


class Turn(models.Model):
    ROLES = [("founder", "创业者 founder"), ("agent", "智能体 agent"), ("staff", "工作人员 staff")]

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    role = models.CharField(max_length=8, choices=ROLES)
    text = models.TextField()
    intent = models.CharField(max_length=30, blank=True)
    slots = models.JSONField(default=dict, blank=True)
    citations = models.JSONField(default=list, blank=True)
    action = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "对话轮次 turn"
        verbose_name_plural = "对话轮次 turns"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"


class HandoverTicket(models.Model):
    OPEN, ANSWERED, CLOSED = "open", "answered", "closed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="tickets")
    status = models.CharField(
        max_length=10,
        default=OPEN,
        choices=[(OPEN, "待处理 open"), (ANSWERED, "已回复 answered"), (CLOSED, "已关闭 closed")],
    )
    reason = models.CharField(max_length=200, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "转人工工单 handover ticket"
        verbose_name_plural = "转人工工单 handover tickets"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.conversation_id} ({self.status})"
