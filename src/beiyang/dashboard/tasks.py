from beiyang.core.jobs import daily_job


@daily_job(hour=23, minute=30)
def snapshot_kpis() -> int:
    from beiyang.dashboard.actions import do_snapshot_kpis

    return do_snapshot_kpis()
