from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "beiyang.service"
    label = "service"
    verbose_name = "陪你一起跑 service team"

    def ready(self) -> None:
        from beiyang.companies.signals import company_created
        from beiyang.policies.signals import parameters_required
        from beiyang.service import receivers

        company_created.connect(receivers.on_company_created, dispatch_uid="beiyang.service.company_created")
        parameters_required.connect(
            receivers.parameters_required, dispatch_uid="beiyang.service.parameters_required"
        )
