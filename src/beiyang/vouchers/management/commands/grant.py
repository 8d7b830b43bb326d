from django.core.management.base import BaseCommand, CommandError

from beiyang.companies.models import Company
from beiyang.core.errors import DomainError
from beiyang.core.identifiers import parse_credit_code
from beiyang.core.money import yuan_to_fen
from beiyang.vouchers.actions import do_issue_grant


class Command(BaseCommand):
    help = "Issue a voucher grant to a company / 向企业发放券(券种见政策包 voucher_kinds)"

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="unified social credit code")
        parser.add_argument("--kind", required=True, help="a voucher kind of the pack in force")
        parser.add_argument("--amount-cny", required=True)

    def handle(self, *args, company, kind, amount_cny, **options):
        try:
            found = Company.objects.filter(credit_code=parse_credit_code(company)).first()
            if found is None:
                raise CommandError("no such company / 未找到该企业")
            grant = do_issue_grant(company=found, kind=kind, amount_fen=yuan_to_fen(amount_cny))
        except DomainError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"grant {grant.pk}: {found.name} {kind} ¥{grant.amount_fen / 100:,.2f} "
                f"(city ¥{grant.city_fen / 100:,.2f}, district ¥{grant.district_fen / 100:,.2f}) until {grant.valid_until}"
            )
        )
