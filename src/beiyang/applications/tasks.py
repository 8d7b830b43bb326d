from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="0", hour="9"))
def sla_reminders_task() -> dict:
    from beiyang.applications.actions import do_send_sla_reminders

    return do_send_sla_reminders()
