from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "beiyang.notifications"
    label = "notifications"
    verbose_name = "消息 Messages"
