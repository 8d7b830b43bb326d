from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "beiyang.dashboard"
    label = "dashboard"
    verbose_name = "数据看板 Dashboard"
