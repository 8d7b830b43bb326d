"""Sending one message over one channel. Each function raises on failure, so that the
delivery action can record the error and retry."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
from django.conf import settings
from django.core.mail import send_mail

from beiyang.accounts.sms import send_sms
from beiyang.notifications.models import Message


class ChannelUnavailable(Exception):
    """The person cannot be reached on this channel (no address): skip, do not retry."""


def _texts(message: Message, language: str) -> tuple[str, str]:
    if language.startswith("en") and message.title_en:
        return message.title_en, message.body_en or message.body
    return message.title, message.body


def send_email(message: Message, language: str) -> str:
    if not message.user.email:
        raise ChannelUnavailable("no email address")
    title, body = _texts(message, language)
    send_mail(
        title,
        body + (f"\n\n{settings.SITE_URL}{message.link}" if message.link else ""),
        settings.DEFAULT_FROM_EMAIL,
        [message.user.email],
        fail_silently=False,
    )
    return "email"


def send_sms_message(message: Message, language: str) -> str:
    title, _body = _texts(message, language)
    # Short and signed the way Chinese SMS gateways require.
    return send_sms(message.user.phone, f"【北杨小镇】{title}。详情请查看小镇消息。")


def send_webhook(message: Message, language: str) -> str:
    if not settings.NOTIFY_WEBHOOK_URL:
        raise ChannelUnavailable("no webhook configured")
    title, body = _texts(message, language)
    payload = json.dumps(
        {
            "message_id": message.pk,
            "user_id": message.user_id,
            "phone": message.user.phone,
            "kind": message.kind,
            "title": title,
            "body": body,
            "link": message.link,
        },
        ensure_ascii=False,
    ).encode()
    signature = hmac.new(settings.NOTIFY_WEBHOOK_SECRET.encode(), payload, hashlib.sha256).hexdigest()
    resp = httpx.post(
        settings.NOTIFY_WEBHOOK_URL,
        content=payload,
        timeout=5.0,
        headers={
            "Content-Type": "application/json",
            "X-Beiyang-Signature": signature,
            "Idempotency-Key": f"message-{message.pk}",
        },
    )
    if resp.status_code // 100 != 2:
        raise RuntimeError(f"webhook answered {resp.status_code}")
    return resp.headers.get("X-Request-Id", "")


SENDERS = {"email": send_email, "sms": send_sms_message, "webhook": send_webhook}
