from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from beiyang.core.jobs import daily_job


@db_periodic_task(crontab(minute="*"))
def expire_holds_task() -> int:
    from beiyang.vouchers.actions import do_expire_holds

    return do_expire_holds()


@daily_job(hour=0, minute=5)
def expire_grants() -> int:
    from beiyang.vouchers.actions import do_expire_grants

    return do_expire_grants()
