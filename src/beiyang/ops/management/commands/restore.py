from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beiyang.core.errors import DomainError
from beiyang.ops.backup import restore


class Command(BaseCommand):
    help = "Restore a backup folder into an empty database / 把备份恢复到空数据库"

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            manifest = restore(folder)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.message_en}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成 restored: {manifest['database']} taken {manifest['created_at']}, pack {manifest['pack_version']}"
            )
        )
