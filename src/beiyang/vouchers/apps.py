from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "beiyang.vouchers"
    label = "vouchers"
    verbose_name = "算力券 Vouchers"
