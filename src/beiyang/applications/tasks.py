from beiyang.applications.actions import do_send_sla_reminders
from beiyang.core.jobs import daily_job


@daily_job(hour=9, minute=0)
def sla_reminders() -> dict:

    return do_send_sla_reminders()
