from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "beiyang.applications"
    label = "applications"
    verbose_name = "申请审核 Applications"

    def ready(self) -> None:
        from beiyang.applications import receivers
        from beiyang.companies.signals import credit_code_in_use

        credit_code_in_use.connect(
            receivers.credit_code_in_use, dispatch_uid="beiyang.applications.credit_code_in_use"
        )
