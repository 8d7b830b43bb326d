from __future__ import annotations

from huey.contrib.djhuey import db_task


class LoginCodeNotSent(Exception):
    """The gateway refused for now (throttled, unreachable): Huey tries again."""


@db_task(retries=2, retry_delay=20)
def send_login_code_task(sms_code_id: int, phone: str, code: str) -> str:
    """Send a login code the founder asked for; the request that asked has long answered."""
    from beiyang.accounts.actions import do_send_login_code

    outcome = do_send_login_code(sms_code_id, phone, code)
    if outcome == "retry":
        raise LoginCodeNotSent(f"login code {sms_code_id}: the gateway refused for now")
    return outcome
