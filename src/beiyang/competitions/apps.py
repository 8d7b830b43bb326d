from django.apps import AppConfig


class CompetitionsConfig(AppConfig):
    name = "beiyang.competitions"
    label = "competitions"
    verbose_name = "创业大赛 Competitions"
