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
    # True while a service request opened from this chat is live: the team has it, the bot is quiet.
    handed_over = models.BooleanField(default=False)
    address = models.GenericIPAddressField(
        null=True,
        blank=True,
        help_text="where a visitor's conversation came from: handovers are limited by it",
    )
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
