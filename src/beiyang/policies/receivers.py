from __future__ import annotations

from beiyang.policies.tasks import match_company_task


def on_company_profile_changed(sender, company_id: int, **kwargs) -> None:

    match_company_task(company_id)
