"""Inbox and delivery actions.

``do_send_message`` runs inside the caller's transaction: the message and its deliveries (one
row per channel the person wants: the outbox) commit with the change that caused it. After
commit, open streams are woken and a job wakes the sender; if the queue is down, the rows are
still there and the sweep sends them.

Sending is three steps, so that no transaction (on SQLite: the town's one write lock) is held
while a gateway answers: claim due deliveries in one short transaction (a lease until
``claimed_until``), send each outside any transaction with its idempotency key, record each
outcome in another short transaction. A worker that dies between the steps leaves a claim
that expires; the sweep sends the delivery again under the same key.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from beiyang.core.audit import audit_entry, log_action, log_actions
from beiyang.core.errors import InvalidInput, NotFound
from beiyang.core.models import AuditEntry
from beiyang.core.realtime import hub
from beiyang.notifications import senders
from beiyang.notifications.channels import SENDERS, ChannelUnavailable
from beiyang.notifications.models import ChannelPreference, Delivery, Message
from beiyang.notifications.signals import message_created
from beiyang.notifications.templates import render

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30
CHANNELS = ("email", "sms", "webhook", "wechat")
CLAIM_BATCH = 50


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
    deliveries = Delivery.objects.bulk_create(new_deliveries([message])) if channels else []
    log_action("notifications.message.created", **_audit_fields(message))
    transaction.on_commit(lambda: _announce([message], [d.pk for d in deliveries]))
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
    deliveries = Delivery.objects.bulk_create(new_deliveries(messages)) if channels else []
    log_actions(
        [*audit, *(audit_entry("notifications.message.created", **_audit_fields(m)) for m in messages)]
    )
    if not messages:
        return []

    transaction.on_commit(lambda: _announce(messages, [d.pk for d in deliveries]))
    return messages


def new_deliveries(messages: list[Message]) -> list[Delivery]:
    """Unsaved delivery rows (due now) for saved messages: one per channel each person wants."""
    if not messages:
        return []
    prefs = {
        p.user_id: p for p in ChannelPreference.objects.filter(user_id__in={m.user_id for m in messages})
    }
    now = timezone.now()
    return [
        Delivery(message=message, channel=channel, next_attempt_at=now)
        for message in messages
        for channel in CHANNELS
        if getattr(prefs.get(message.user_id) or ChannelPreference(user_id=message.user_id), channel)
    ]


def _audit_fields(message: Message) -> dict[str, Any]:
    return {"obj": message, "actor_label": "system", "user_id": message.user_id, "kind": message.kind}


def _announce(messages: list[Message], delivery_ids: list[int]) -> None:
    """After commit: wake the people's open pages, then the sender."""
    for message in messages:
        hub.publish(message.user_id, message.pk)
        message_created.send(sender=Message, message_id=message.pk, user_id=message.user_id)
    if delivery_ids:
        wake_sender(delivery_ids)


def wake_sender(delivery_ids: list[int], eta: dt.datetime | None = None) -> None:
    """Ask a worker to send these deliveries (at ``eta``). Only a wake-up: the rows are the
    truth, and the sweep sends them if the queue is down or loses the job."""
    # A real cycle: the job calls actions, and this action enqueues the job.
    from beiyang.notifications.tasks import send_deliveries_task

    try:
        if eta is None:
            send_deliveries_task(delivery_ids)
        else:
            send_deliveries_task.schedule((delivery_ids,), eta=eta)
    except Exception:
        logger.warning("queue unavailable: deliveries %s wait for the sweep", delivery_ids, exc_info=True)


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
        if key not in {"email", "sms", "webhook", "wechat", "language", "quiet_start", "quiet_end"}:
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
    """The delivery rows of a message written without them (``channels=False``): the ids
    queued."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return []
    with transaction.atomic():
        for delivery in new_deliveries([message]):
            Delivery.objects.get_or_create(message=message, channel=delivery.channel)
    return list(
        Delivery.objects.filter(message=message, status=Delivery.QUEUED)
        .order_by("id")
        .values_list("id", flat=True)
    )


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


def do_claim_deliveries(
    *,
    ids: list[int] | None = None,
    now: dt.datetime | None = None,
    limit: int = CLAIM_BATCH,
    due_only: bool = True,
) -> tuple[str, list[int]]:
    """Claim queued deliveries nobody holds, in one short transaction: (the claim's token, the
    ids claimed). With ``ids``, only those (a wake-up names them); ``due_only=False`` takes them
    before their retry time. A claim counts as an attempt, so a delivery that kills its worker
    every time still runs out."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    with transaction.atomic():
        candidates = Delivery.objects.filter(free, status=Delivery.QUEUED, attempts__lt=MAX_ATTEMPTS)
        if ids is not None:
            candidates = candidates.filter(pk__in=ids)
        if ids is None or due_only:
            candidates = candidates.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: workers claiming at once take different rows instead of queueing.
            candidates = candidates.select_for_update(skip_locked=True)
        chosen = list(candidates.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
        if not chosen:
            return token, []
        Delivery.objects.filter(free, pk__in=chosen, status=Delivery.QUEUED).update(
            claimed_until=now + lease(), claim_token=token, attempts=F("attempts") + 1
        )
        claimed = list(Delivery.objects.filter(pk__in=chosen, claim_token=token).values_list("id", flat=True))
    return token, claimed


def claimed_batch(delivery_ids: list[int]) -> dict[int, tuple[Delivery, ChannelPreference]]:
    """What sending a claimed batch reads, in two queries for the whole batch: each delivery
    with its message and person, and that person's channel preferences."""
    deliveries = Delivery.objects.select_related("message__user").in_bulk(delivery_ids)
    user_ids = {d.message.user_id for d in deliveries.values()}
    prefs = {p.user_id: p for p in ChannelPreference.objects.filter(user_id__in=user_ids)}
    return {
        pk: (d, prefs.get(d.message.user_id) or ChannelPreference(user_id=d.message.user_id))
        for pk, d in deliveries.items()
    }


def do_send_claimed(
    delivery_id: int,
    token: str,
    now: dt.datetime | None = None,
    read: tuple[Delivery, ChannelPreference] | None = None,
) -> tuple[str, dt.datetime | None]:
    """Send one delivery this worker has claimed, outside any transaction, then record the
    outcome. Returns (status, when to try again or None). ``read``: the delivery and its
    person's preferences, when the batch read them already (``claimed_batch``)."""
    now = now or timezone.now()
    if not _renew_claim(delivery_id, token, now):
        # The lease ran out while this delivery waited its turn (a slow gateway ahead of it)
        # and another worker may hold it now: sending would reach the phone twice.
        logger.warning("delivery %s: claim lost before sending; left to its holder", delivery_id)
        return "lost", None
    if read is None:
        read = claimed_batch([delivery_id]).get(delivery_id)
    if read is None:  # its message was deleted since the claim
        return "missing", None
    delivery, pref = read
    if delivery.channel in ("sms", "webhook", "wechat"):  # the ones that buzz a phone
        until = quiet_until(pref, now)
        if until is not None:  # not an attempt: hand the claim back until the morning
            delivery.attempts -= 1
            delivery.next_attempt_at = until
            _record(delivery, token, ["attempts", "next_attempt_at"], audit=False)
            return Delivery.QUEUED, until
    try:
        delivery.external_id = SENDERS[delivery.channel](
            delivery.message, pref.language, delivery.idempotency_key
        )[:120]
    except ChannelUnavailable as exc:
        delivery.status, delivery.last_error = Delivery.SKIPPED, str(exc)
    except Exception as exc:  # any gateway failure: record it and retry later
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        # A gateway that says trying again cannot help (a refused template, a barred number:
        # ``permanent`` on the error) gets no more attempts.
        if delivery.attempts >= MAX_ATTEMPTS or getattr(exc, "permanent", False):
            delivery.status = Delivery.FAILED
        else:
            delivery.next_attempt_at = now + dt.timedelta(
                seconds=RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1)
            )
    else:
        delivery.status, delivery.sent_at, delivery.last_error = Delivery.SENT, now, ""
    _record(delivery, token, ["status", "external_id", "last_error", "next_attempt_at", "sent_at"])
    retry = delivery.next_attempt_at if delivery.status == Delivery.QUEUED else None
    return delivery.status, retry


def _renew_claim(delivery_id: int, token: str, now: dt.datetime) -> bool:
    """Check, right before the gateway call, that this worker still holds the delivery, and
    give it a fresh lease of its own: a claim covers a batch, but each send is judged by the
    time it actually starts, so one slow gateway call cannot push the next sends past a lease
    another worker has already taken over."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, claim_token=token, status=Delivery.QUEUED, claimed_until__gt=now
        ).update(claimed_until=now + lease())
    )


def _record(delivery: Delivery, token: str, fields: list[str], *, audit: bool = True) -> None:
    """Write an outcome and give the claim back, in one short transaction. If the lease ran out
    and another worker holds the delivery now, its outcome is the one that counts."""
    with transaction.atomic():
        values = {f: getattr(delivery, f) for f in fields}
        if not Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(
            **values, claimed_until=None, claim_token=""
        ):
            logger.warning("delivery %s: claim lost before its outcome was recorded", delivery.pk)
            return
        if audit:
            log_action(
                f"notifications.delivery.{delivery.status}",
                obj=delivery,
                actor_label="delivery",
                channel=delivery.channel,
                attempts=delivery.attempts,
                error=delivery.last_error,
            )


def do_send_deliveries(
    ids: list[int] | None = None, now: dt.datetime | None = None, limit: int = 500
) -> dict[str, Any]:
    """Claim and send (the named deliveries, or those due) until none is left or ``limit`` were
    tried: ``{"tried": n, "retry_at": the soonest retry or None}``."""
    tried, retry_at = 0, None
    while tried < limit:
        token, claimed = do_claim_deliveries(ids=ids, now=now, limit=min(CLAIM_BATCH, limit - tried))
        for _status, retry in senders.send_all(claimed, token, now):
            if retry is not None and (retry_at is None or retry < retry_at):
                retry_at = retry
        tried += len(claimed)
        if not claimed or ids is not None:
            break
    return {"tried": tried, "retry_at": retry_at}


def do_send_due_deliveries(now: dt.datetime | None = None, limit: int = 500) -> int:
    """The sweep: fail what ran out of attempts while claimed by a dead worker, then send
    everything due, including what dead workers had claimed. Returns how many were tried."""
    exhausted = Delivery.objects.filter(
        status=Delivery.QUEUED, attempts__gte=MAX_ATTEMPTS, claimed_until__lte=now or timezone.now()
    ).update(
        status=Delivery.FAILED, last_error="worker lost while sending", claimed_until=None, claim_token=""
    )
    if exhausted:
        logger.warning("%d deliveries failed: their workers died on every attempt", exhausted)
    return do_send_deliveries(now=now, limit=limit)["tried"]


def do_attempt_delivery(delivery_id: int, now: dt.datetime | None = None) -> tuple[str, dt.datetime | None]:
    """Claim, send and record one delivery (its retry time notwithstanding): (status, when to
    retry or None). A delivery another worker holds, or no longer queued, is left alone."""
    token, claimed = do_claim_deliveries(ids=[delivery_id], now=now, due_only=False)
    if not claimed:
        delivery = Delivery.objects.filter(pk=delivery_id).first()
        return (delivery.status if delivery else "missing"), None
    return do_send_claimed(delivery_id, token, now)
