from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def deliver_messages_task(message_ids: list[int]) -> None:
    """One job for the messages one transaction made (a batch makes many)."""
    from beiyang.notifications.actions import do_prepare_deliveries

    for message_id in message_ids:
        for delivery_id in do_prepare_deliveries(message_id):
            attempt_delivery_task(delivery_id)


@db_task()
def attempt_delivery_task(delivery_id: int) -> str:
    from beiyang.notifications.actions import do_attempt_delivery

    status, retry_at = do_attempt_delivery(delivery_id)
    if retry_at is not None:
        # Exponential backoff (or the end of quiet hours) chosen by the action.
        attempt_delivery_task.schedule((delivery_id,), eta=retry_at)
    return status


@db_periodic_task(crontab(minute="*/5"))
def sweep_deliveries_task() -> int:
    """Re-queue deliveries whose retry time has passed, in case a worker died holding them."""
    from django.utils import timezone

    from beiyang.notifications.models import Delivery

    due = list(
        Delivery.objects.filter(status=Delivery.QUEUED, next_attempt_at__lte=timezone.now()).values_list(
            "id", flat=True
        )[:500]
    )
    for delivery_id in due:
        attempt_delivery_task(delivery_id)
    return len(due)
