from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "beiyang.events"
    label = "events"
    verbose_name = "活动 Events"
