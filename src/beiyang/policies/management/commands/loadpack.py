from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beiyang.core.errors import DomainError
from beiyang.policies.actions import do_import_pack
from beiyang.policies.engine import PackError
from beiyang.policies.engine.pack import read_pack_files


class Command(BaseCommand):
    help = "Import a policy pack directory as a version (draft unless --publish) / 导入政策包版本"

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(settings.POLICY_PACK_DIR))
        parser.add_argument("--publish", action="store_true")
        parser.add_argument("--note", default="")

    def handle(self, *args, directory, publish, note, **options):
        try:
            version = do_import_pack(read_pack_files(directory), note=note, publish=publish)
        except (DomainError, PackError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from None
        self.stdout.write(self.style.SUCCESS(f"pack {version.pack_id} {version.version}: {version.status}"))
