from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "beiyang.service"
    label = "service"
    verbose_name = "陪你一起跑 service team"
