from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "beiyang.ops"
    label = "ops"
    verbose_name = "运维 Operations"
