"""Sending one message over one channel. Each function raises on failure, so that the
delivery action can record the error and retry. Each takes the delivery's idempotency key and
hands it to the gateway: a delivery sent again after its worker died is the same message."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from beiyang.accounts.sms import notice_sms, send_sms
from beiyang.core import outbound
from beiyang.core.links import absolute_url
from beiyang.notifications.models import Message


class ChannelUnavailable(Exception):
    """The person cannot be reached on this channel (no address): skip, do not retry."""


def _texts(message: Message, language: str) -> tuple[str, str]:
    if language.startswith("en") and message.title_en:
        return message.title_en, message.body_en or message.body
    return message.title, message.body


def send_email(message: Message, language: str, idempotency_key: str) -> str:
    if not message.user.email:
        raise ChannelUnavailable("no email address")
    title, body = _texts(message, language)
    # A fixed Message-ID: mail systems drop a second copy of the same id.
    message_id = f"<{idempotency_key}@beiyang>"
    EmailMessage(
        title,
        body + (f"\n\n{absolute_url(message.link)}" if message.link else ""),
        settings.DEFAULT_FROM_EMAIL,
        [message.user.email],
        headers={"Message-ID": message_id, "Idempotency-Key": idempotency_key},
    ).send(fail_silently=False)
    return message_id


def send_sms_message(message: Message, language: str, idempotency_key: str) -> str:
    # Carriers take registered templates, not free text: the notice template says what kind of
    # message is waiting and links to it (the details stay behind the founder's login).
    return send_sms(
        message.user.phone, notice_sms(kind_words(message.kind), message_url(message)), idempotency_key
    )


def kind_words(kind: str) -> str:
    """The kind as the notice template says it: 活动, 申请… (the Chinese of Message.KINDS)."""
    return dict(Message.KINDS).get(kind, "系统 System").split(" ")[0]


def message_url(message: Message) -> str:
    return absolute_url(reverse("web:message", args=[message.pk]))


def send_webhook(message: Message, language: str, idempotency_key: str) -> str:
    if not settings.NOTIFY_WEBHOOK_URL:
        raise ChannelUnavailable("no webhook configured")
    if not settings.NOTIFY_WEBHOOK_SECRET:
        raise ChannelUnavailable("NOTIFY_WEBHOOK_SECRET is not set: an unsigned webhook is never sent")
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
    resp = outbound.client().post(
        settings.NOTIFY_WEBHOOK_URL,
        content=payload,
        timeout=5.0,
        headers={
            "Content-Type": "application/json",
            "X-Beiyang-Signature": signature,
            "Idempotency-Key": idempotency_key,
        },
    )
    if resp.status_code // 100 != 2:
        raise RuntimeError(f"webhook answered {resp.status_code}")
    return resp.headers.get("X-Request-Id", "")


SENDERS = {"email": send_email, "sms": send_sms_message, "webhook": send_webhook}
