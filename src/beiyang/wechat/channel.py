"""The WeChat channel of the outbox: a town message to a bound founder as a template message,
linking to the message's page. Raises on a failed send, so the delivery action retries it."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from beiyang.notifications.channels import ChannelUnavailable
from beiyang.notifications.models import Message
from beiyang.wechat import client, config
from beiyang.wechat.models import Follower

VALUE_CHARS = 200


def send_template_message(message: Message, language: str, idempotency_key: str) -> str:
    if not client.enabled():
        raise ChannelUnavailable("WeChat is not configured")
    follower = Follower.objects.filter(user_id=message.user_id).first()
    if follower is None:
        raise ChannelUnavailable("no WeChat bound")
    if not follower.subscribed:
        raise ChannelUnavailable("no longer follows the account")
    if message.kind in follower.declined_kinds:
        raise ChannelUnavailable(f"declined {message.kind} messages in WeChat")
    spec = (config.load().get("templates") or {}).get(message.kind)
    if not spec:
        raise ChannelUnavailable(f"no template for {message.kind} messages")
    english = language.startswith("en") and message.title_en
    title = message.title_en if english else message.title
    body = (message.body_en or message.body) if english else message.body
    when = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")
    link = message.link or f"/me/messages/{message.pk}/"
    data = {
        field: str(value).format(title=title, body=body, time=when)[:VALUE_CHARS]
        for field, value in (spec.get("data") or {}).items()
    }
    # WeChat's template API takes no idempotency key: the outbox's lease and claim keep a
    # second send to a worker that died after WeChat accepted and before the outcome was written.
    return client.send_template(
        follower.openid, spec["template_id"], f"{settings.SITE_URL.rstrip('/')}{link}", data
    )
