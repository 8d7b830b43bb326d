import sys

from django.core.management.base import BaseCommand

from beiyang.vouchers.queries import reconcile


class Command(BaseCommand):
    help = "Prove the voucher books balance; exits 1 if they do not / 对账"

    def handle(self, *args, **options):
        report = reconcile()
        self.stdout.write(f"transfers: {report['transfers']}")
        for name, value in report["totals_fen"].items():
            self.stdout.write(f"  {name:<16} ¥{value / 100:>18,.2f}")
        for kind, value in report["net_by_type_cny"].items():
            self.stdout.write(f"  net {kind:<12} ¥{value:>18,.2f}")
        for row in report["mismatches"]:
            self.stdout.write(self.style.ERROR(f"  MISMATCH {row}"))
        for code in report["overdrawn"]:
            self.stdout.write(self.style.ERROR(f"  OVERDRAWN {code}"))
        if report["balanced"]:
            self.stdout.write(self.style.SUCCESS("books balance / 账平"))
        else:
            self.stdout.write(self.style.ERROR("books do NOT balance / 账不平"))
            sys.exit(1)
