from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "beiyang.api"
    label = "api"
    verbose_name = "API"
