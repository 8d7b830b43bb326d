"""Inbox actions. Callers run inside their own transaction: the message commits with the
change that caused it, and the push goes out only after commit."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from beiyang.core.audit import log_action
from beiyang.core.errors import NotFound
from beiyang.notifications.models import Message
from beiyang.notifications.signals import message_created


def do_send_message(
    user_id: int,
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    dedupe_key: str = "",
) -> Message | None:
    """Write a message to a person's inbox; returns None when ``dedupe_key`` was already used."""
    if dedupe_key and Message.objects.filter(user_id=user_id, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            message = Message.objects.create(
                user_id=user_id,
                kind=kind,
                title=title[:200],
                body=body,
                link=link,
                data=data or {},
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None
    log_action("notifications.message.created", obj=message, actor_label="system", user_id=user_id, kind=kind)
    transaction.on_commit(
        lambda: message_created.send(sender=Message, message_id=message.pk, user_id=user_id)
    )
    return message


@transaction.atomic(durable=True)
def do_mark_read(user, message_id: int) -> Message:
    message = Message.objects.select_for_update().filter(pk=message_id, user=user).first()
    if message is None:
        raise NotFound("消息不存在", "No such message", field="message_id")
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
        log_action("notifications.message.read", actor=user, obj=message)
    return message


@transaction.atomic(durable=True)
def do_mark_all_read(user) -> int:
    count = Message.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    log_action("notifications.message.all_read", actor=user, count=count)
    return count
