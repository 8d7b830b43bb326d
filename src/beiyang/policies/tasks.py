"""Background jobs of 政策找人. Jobs take primary keys and call actions."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=3, retry_delay=10)
def match_company_task(company_id: int) -> int:
    # A real cycle: actions enqueue these jobs, and the jobs call actions.
    from beiyang.policies.actions import do_match_company

    return do_match_company(company_id)


@db_task(retries=2, retry_delay=30)
def match_all_companies_task() -> int:
    # A real cycle, as above.
    from beiyang.policies.actions import do_match_all_companies

    return do_match_all_companies()
