from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "beiyang.companies"
    label = "companies"
    verbose_name = "企业 Companies"
