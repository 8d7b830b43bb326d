from django.apps import AppConfig


class InternshipsConfig(AppConfig):
    name = "beiyang.internships"
    label = "internships"
    verbose_name = "“1+1”实习 Internships"
