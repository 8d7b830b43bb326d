from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beiyang.core.errors import DomainError
from beiyang.ops.backup import take_backup, take_scheduled_backup


class Command(BaseCommand):
    help = "Back up the database and uploads into an empty folder, with a manifest / 备份数据库与上传文件"

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--output", type=Path, help="an empty folder for this one backup")
        where.add_argument("--root", type=Path, help="the scheduled form: a dated folder under ROOT")
        parser.add_argument("--keep", type=int, default=14, help="with --root: complete backups kept")
        parser.add_argument(
            "--offsite", action="store_true", help="with --root: copy it to BACKUP_S3_BUCKET as well"
        )

    def handle(self, *args, output: Path | None, root: Path | None, keep: int, offsite: bool, **options):
        try:
            if root is not None:
                output, manifest = take_scheduled_backup(root, keep=keep, offsite=offsite)
            else:
                manifest = take_backup(output)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.message_en}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成 backed up: {manifest['database']}, {len(manifest['files'])} files → {output}"
            )
        )
        if manifest.get("offsite"):
            self.stdout.write(f"异地副本 off-site copy: {manifest['offsite']}")
