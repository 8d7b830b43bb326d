"""Inbox and delivery actions.

``do_send_message`` runs inside the caller's transaction: the message commits with the change
that caused it; the wake-up of open streams and the other channels go out only after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from beiyang.core.audit import audit_entry, log_action, log_actions
from beiyang.core.errors import InvalidInput, NotFound
from beiyang.core.models import AuditEntry
from beiyang.core.realtime import hub
from beiyang.notifications.models import ChannelPreference, Delivery, Message
from beiyang.notifications.signals import message_created
from beiyang.notifications.templates import render

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30


def do_send_message(
    user_id: int, *, dedupe_key: str = "", channels: bool = True, **content: Any
) -> Message | None:
    """Write a message to a person's inbox; None when ``dedupe_key`` was already used.

    ``content`` is what ``new_message`` takes: the kind and the texts, or a ``template`` of
    ``notifications.templates`` and its ``context``. ``channels=False`` keeps it to the inbox
    (and the live push)."""
    message = new_message(user_id, dedupe_key=dedupe_key, **content)
    if not dedupe_key:
        message.save(force_insert=True)
    else:
        if Message.objects.filter(user_id=user_id, dedupe_key=dedupe_key).exists():
            return None
        try:
            with transaction.atomic():  # a savepoint only where a duplicate can be refused
                message.save(force_insert=True)
        except IntegrityError:
            return None
    log_action("notifications.message.created", **_audit_fields(message))
    transaction.on_commit(lambda: _announce([message], channels))
    return message


def new_message(
    user_id: int,
    *,
    kind: str,
    title: str = "",
    body: str = "",
    title_en: str = "",
    body_en: str = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    dedupe_key: str = "",
    template: str | None = None,
    context: dict[str, Any] | None = None,
) -> Message:
    """An unsaved message, for ``do_send_messages``."""
    if template:
        title, body, title_en, body_en = render(template, **(context or {}))
    return Message(
        user_id=user_id,
        kind=kind,
        title=title[:200],
        body=body,
        title_en=title_en[:200],
        body_en=body_en,
        link=link,
        data=data or {},
        dedupe_key=dedupe_key,
    )


def do_send_messages(
    messages: list[Message], *, channels: bool = True, audit: list[AuditEntry] = ()
) -> list[Message]:
    """Write many messages (made by ``new_message``, without dedupe keys) in one statement,
    for the actions that settle a batch; the same audit and after-commit wake-up as one.
    ``audit``: the caller's own entries, written in the same statement as the messages'."""
    if any(m.dedupe_key for m in messages):
        raise ValueError("messages with a dedupe key are sent one at a time")
    Message.objects.bulk_create(messages)
    log_actions(
        [*audit, *(audit_entry("notifications.message.created", **_audit_fields(m)) for m in messages)]
    )
    if not messages:
        return []

    transaction.on_commit(lambda: _announce(messages, channels))
    return messages


def _audit_fields(message: Message) -> dict[str, Any]:
    return {"obj": message, "actor_label": "system", "user_id": message.user_id, "kind": message.kind}


def _announce(messages: list[Message], channels: bool) -> None:
    """After commit: wake the people's open pages, then queue the other channels."""
    for message in messages:
        hub.publish(message.user_id, message.pk)
        message_created.send(sender=Message, message_id=message.pk, user_id=message.user_id)
    if channels:
        from beiyang.notifications.tasks import deliver_messages_task

        try:
            deliver_messages_task([message.pk for message in messages])
        except Exception:  # the queue is down: the inbox copies stand; log for the operators
            logger.exception("could not queue deliveries for messages %s", [m.pk for m in messages])


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


def preference_for(user_id: int) -> ChannelPreference:
    pref = ChannelPreference.objects.filter(user_id=user_id).first()
    return pref if pref is not None else ChannelPreference(user_id=user_id)


@transaction.atomic(durable=True)
def do_set_preferences(user, **changes: Any) -> ChannelPreference:
    # null leaves a switch or the language as it is (the schema allows it); quiet hours
    # are cleared with null.
    changes = {k: v for k, v in changes.items() if v is not None or k in ("quiet_start", "quiet_end")}
    pref, _ = ChannelPreference.objects.select_for_update().get_or_create(user=user)
    before = {f: getattr(pref, f) for f in changes}
    for key, value in changes.items():
        if key not in {"email", "sms", "webhook", "language", "quiet_start", "quiet_end"}:
            raise InvalidInput(f"未知字段 {key}", f"Unknown field {key}", field=key)
        setattr(pref, key, value)
    if (pref.quiet_start is None) != (pref.quiet_end is None):
        raise InvalidInput(
            "免打扰时段需同时设置开始和结束", "Quiet hours need both a start and an end", field="quiet_end"
        )
    if pref.language not in ("zh-hans", "en"):
        raise InvalidInput("语言只能是 zh-hans 或 en", "language is zh-hans or en", field="language")
    pref.save()
    log_action("notifications.preferences.updated", actor=user, obj=pref, before=before, after=changes)
    return pref


def quiet_until(pref: ChannelPreference, now: dt.datetime) -> dt.datetime | None:
    """The end of the person's quiet hours if ``now`` falls inside them (local time)."""
    if pref.quiet_start is None or pref.quiet_end is None:
        return None
    local = timezone.localtime(now)
    t = local.time()
    start, end = pref.quiet_start, pref.quiet_end
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)


def do_prepare_deliveries(message_id: int) -> list[int]:
    """One delivery row per channel the person wants; returns the ids to attempt."""
    message = Message.objects.filter(pk=message_id).select_related("user").first()
    if message is None:
        return []
    pref = preference_for(message.user_id)
    wanted = [c for c in ("email", "sms", "webhook") if getattr(pref, c)]
    ids = []
    with transaction.atomic():
        for channel in wanted:
            delivery, _ = Delivery.objects.get_or_create(message=message, channel=channel)
            if delivery.status == Delivery.QUEUED:
                ids.append(delivery.pk)
    return ids


def do_attempt_delivery(delivery_id: int, now: dt.datetime | None = None) -> tuple[str, dt.datetime | None]:
    """Try one delivery. Returns (status, when to retry or None)."""
    from beiyang.notifications.channels import SENDERS, ChannelUnavailable

    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("message__user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.QUEUED:
            return (delivery.status if delivery else "missing"), None
        pref = preference_for(delivery.message.user_id)
        if delivery.channel in ("sms", "webhook"):
            until = quiet_until(pref, now)
            if until is not None:
                delivery.next_attempt_at = until
                delivery.save(update_fields=["next_attempt_at"])
                return Delivery.QUEUED, until
        delivery.attempts += 1
        try:
            delivery.external_id = SENDERS[delivery.channel](delivery.message, pref.language)[:120]
        except ChannelUnavailable as exc:
            delivery.status, delivery.last_error = Delivery.SKIPPED, str(exc)
        except Exception as exc:  # any gateway failure: record it and retry later
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = Delivery.FAILED
            else:
                delivery.next_attempt_at = now + dt.timedelta(
                    seconds=RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1)
                )
        else:
            delivery.status, delivery.sent_at, delivery.last_error = Delivery.SENT, now, ""
        delivery.save()
        log_action(
            f"notifications.delivery.{delivery.status}",
            obj=delivery,
            actor_label="delivery",
            channel=delivery.channel,
            attempts=delivery.attempts,
            error=delivery.last_error,
        )
    retry = delivery.next_attempt_at if delivery.status == Delivery.QUEUED else None
    return delivery.status, retry
