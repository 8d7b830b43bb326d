from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "beiyang.policies"
    label = "policies"
    verbose_name = "政策 Benefits"

    def ready(self) -> None:
        from beiyang.companies.signals import company_profile_changed
        from beiyang.policies import receivers

        company_profile_changed.connect(
            receivers.on_company_profile_changed, dispatch_uid="beiyang.policies.profile_changed"
        )
