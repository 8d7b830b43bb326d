from django.core.management.base import BaseCommand, CommandError

from beiyang.accounts.actions import do_create_staff
from beiyang.accounts.roles import ROLE_NAMES
from beiyang.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a staff user with a role / 创建工作人员账户"

    def add_arguments(self, parser):
        parser.add_argument("--phone", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=ROLE_NAMES)
        parser.add_argument("--name", default="")

    def handle(self, *args, phone, password, role, name, **options):
        try:
            user = do_create_staff(phone=phone, password=password, role=role, name=name)
        except DomainError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}") from None
        self.stdout.write(self.style.SUCCESS(f"staff {user.phone} ({role}) ready"))
