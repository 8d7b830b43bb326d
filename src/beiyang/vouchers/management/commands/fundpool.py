from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from beiyang.core.errors import DomainError
from beiyang.core.money import yuan_to_fen
from beiyang.vouchers.actions import do_fund_pool
from beiyang.vouchers.models import SOURCES


class Command(BaseCommand):
    help = "Add budget to a voucher pool / 为预算池拨款"

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help="a voucher kind of the pack in force")
        parser.add_argument("--source", required=True, choices=list(SOURCES))
        parser.add_argument("--amount-cny", required=True)
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, kind, source, amount_cny, year, **options):
        try:
            pool = do_fund_pool(
                kind=kind,
                source=source,
                year=year or timezone.localdate().year,
                amount_fen=yuan_to_fen(amount_cny),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}") from None
        self.stdout.write(self.style.SUCCESS(f"pool {pool}: balance ¥{pool.account.balance_fen / 100:,.2f}"))
