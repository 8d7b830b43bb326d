from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beiyang.core.errors import DomainError
from beiyang.ops.backup import take_backup


class Command(BaseCommand):
    help = "Back up the database and uploads into an empty folder, with a manifest / 备份数据库与上传文件"

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args, output: Path, **options):
        try:
            manifest = take_backup(output)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.message_en}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成 backed up: {manifest['database']}, {len(manifest['files'])} files → {output}"
            )
        )
