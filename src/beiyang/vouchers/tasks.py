from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from beiyang.core.jobs import daily_job
from beiyang.vouchers.actions import do_expire_grants, do_expire_holds


@db_periodic_task(crontab(minute="*"))
def expire_holds_task() -> int:

    return do_expire_holds()


@daily_job(hour=0, minute=5)
def expire_grants() -> int:

    return do_expire_grants()
