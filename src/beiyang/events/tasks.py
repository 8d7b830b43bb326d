from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from beiyang.events.actions import do_send_due_reminders


@db_periodic_task(crontab(minute="*"))
def send_due_reminders_task() -> int:

    return do_send_due_reminders()
