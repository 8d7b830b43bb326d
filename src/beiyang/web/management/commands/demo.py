from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beiyang.demo import DEMO_FOUNDER_PHONE, DEMO_PASSWORD, DEMO_PROVIDER_USER, DEMO_STUDENT, STAFF, load_demo


class Command(BaseCommand):
    help = "Load the Beiyang demo town (idempotent) / 载入演示数据"

    def add_arguments(self, parser):
        parser.add_argument("--companies", type=int, default=50)

    def handle(self, *args, companies: int, **options):
        if settings.PRODUCTION:
            # The demo's passwords and provider keys are printed in the README.
            raise CommandError(
                "生产环境不载入演示数据(演示密码是公开的)。"
                " The demo town is refused with BEIYANG_PROFILE=production: its passwords are public."
            )
        summary = load_demo(companies)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data: +{summary.founders} founders, +{summary.companies} companies, +{summary.staff} staff, "
                f"+{summary.events} events, +{summary.grants} voucher grants"
            )
        )
        self.stdout.write(f"演示账号 Demo logins (password / 密码: {DEMO_PASSWORD})")
        self.stdout.write(f"  创业者 founder      {DEMO_FOUNDER_PHONE}  (林小北, 北杨模速智能科技)")
        for phone, name, role in STAFF:
            self.stdout.write(f"  {role:<17}{phone}  ({name})")
        self.stdout.write(f"  学生 student        {DEMO_STUDENT[0]}  ({DEMO_STUDENT[1]}, {DEMO_STUDENT[2]})")
        self.stdout.write(
            f"  服务商 provider     {DEMO_PROVIDER_USER[0]}  ({DEMO_PROVIDER_USER[1]}, {DEMO_PROVIDER_USER[2]})"
        )
        for name, key in summary.providers or []:
            self.stdout.write(f"  provider {name}: API key {key}  (shown once)")
