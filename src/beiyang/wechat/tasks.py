from __future__ import annotations

from huey.contrib.djhuey import db_task

DEFERRED_REPLY_RETRIES = 3


@db_task(retries=DEFERRED_REPLY_RETRIES, retry_delay=20, context=True)
def send_deferred_reply_task(inbound_id: int, task=None) -> str:
    """Send an agent answer that came after WeChat stopped waiting, by the customer-service
    message API; retried, then recorded as failed."""
    from beiyang.wechat.actions import do_give_up_deferred_reply, do_send_deferred_reply

    try:
        return do_send_deferred_reply(inbound_id)
    except Exception as exc:
        if task is None or not task.retries:
            do_give_up_deferred_reply(inbound_id, f"{type(exc).__name__}: {exc}")
        raise
