from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "beiyang.vouchers"
    label = "vouchers"
    verbose_name = "算力券 Vouchers"

    def ready(self) -> None:
        from beiyang.accounts.signals import voucher_kinds_wanted
        from beiyang.companies.signals import credit_code_in_use
        from beiyang.policies.signals import company_facts_wanted
        from beiyang.vouchers import receivers

        credit_code_in_use.connect(
            receivers.credit_code_in_use, dispatch_uid="beiyang.vouchers.credit_code_in_use"
        )
        company_facts_wanted.connect(receivers.company_facts, dispatch_uid="beiyang.vouchers.company_facts")
        voucher_kinds_wanted.connect(receivers.voucher_kinds, dispatch_uid="beiyang.vouchers.voucher_kinds")
