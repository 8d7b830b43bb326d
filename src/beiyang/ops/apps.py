from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "beiyang.ops"
    label = "ops"
    verbose_name = "运维 Operations"

    def ready(self) -> None:
        from beiyang.ops import checks  # noqa: F401  (registers the deployment checks)
