from __future__ import annotations


def on_company_profile_changed(sender, company_id: int, **kwargs) -> None:
    from beiyang.policies.tasks import match_company_task

    match_company_task(company_id)
