from django.core.management.base import BaseCommand, CommandError

from beiyang.accounts.actions import do_create_provider
from beiyang.core.errors import DomainError


class Command(BaseCommand):
    help = "Register a voucher provider and print its API key once / 登记服务商并显示其API密钥"

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--kinds", required=True, help="comma-separated: compute,model,corpus")
        parser.add_argument("--credit-code", default="")
        parser.add_argument("--related", default="", help="comma-separated credit codes of related parties")

    def handle(self, *args, name, kinds, credit_code, related, **options):
        try:
            provider, key = do_create_provider(
                name=name,
                kinds=kinds,
                credit_code=credit_code,
                related_credit_codes=[c.strip() for c in related.split(",") if c.strip()],
            )
        except DomainError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"provider {provider.name} (id {provider.pk}) kinds={','.join(provider.kinds)}"
            )
        )
        self.stdout.write(f"API key (shown once, keep it safe): {key}")
