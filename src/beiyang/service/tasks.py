from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def service_clock_task() -> dict:
    from beiyang.service.actions import do_send_service_reminders

    return do_send_service_reminders()
