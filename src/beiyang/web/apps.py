from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "beiyang.web"
    label = "web"
    verbose_name = "门户 Portal"
