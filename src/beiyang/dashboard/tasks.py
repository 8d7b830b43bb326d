from beiyang.core.jobs import daily_job
from beiyang.dashboard.actions import do_snapshot_kpis


@daily_job(hour=23, minute=30)
def snapshot_kpis() -> int:

    return do_snapshot_kpis()
