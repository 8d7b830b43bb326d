from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def expire_holds_task() -> int:
    from beiyang.vouchers.actions import do_expire_holds

    return do_expire_holds()


@db_periodic_task(crontab(minute="5", hour="0"))
def expire_grants_task() -> int:
    from beiyang.vouchers.actions import do_expire_grants

    return do_expire_grants()
