from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "beiyang.service"
    label = "service"
    verbose_name = "陪你一起跑 service team"

    def ready(self) -> None:
        from beiyang.companies.signals import company_created
        from beiyang.service import receivers

        company_created.connect(receivers.on_company_created, dispatch_uid="beiyang.service.company_created")
