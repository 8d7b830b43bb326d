"""Jobs of the accounts app: a login code leaves for the SMS gateway from the worker, so that the
request that asked for it takes as long for a registered number as for any other."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from beiyang.accounts.sms import send_sms


@db_task(retries=2, retry_delay=5)
def send_login_code(phone: str, text: str) -> None:
    send_sms(phone, text)
