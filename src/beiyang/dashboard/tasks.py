from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="30", hour="23"))
def snapshot_kpis_task() -> int:
    from beiyang.dashboard.actions import do_snapshot_kpis

    return do_snapshot_kpis()
