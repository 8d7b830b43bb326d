from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "beiyang.matching"
    label = "matching"
    verbose_name = "对接 Matching"
