from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "beiyang.applications"
    label = "applications"
    verbose_name = "申请审核 Applications"
