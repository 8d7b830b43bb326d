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
        self.stdout.write(
            f"快照中排队的 {manifest['deliveries_not_resent']} 条投递不再发送 / "
            f"{manifest['deliveries_not_resent']} deliveries queued in the snapshot will not be sent again"
        )
        if manifest.get("secret_key_restored"):
            self.stdout.write(f"密钥已恢复 secret key restored: {manifest['secret_key_restored']}")
        elif manifest.get("secret_key") != "included":
            self.stdout.write(
                self.style.WARNING(
                    "此备份不含密钥:请设置与备份时相同的 SECRET_KEY,否则日历订阅链接和签到二维码失效。"
                    " This backup holds no secret key: set the same SECRET_KEY as when it was taken,"
                    " or calendar links and check-in QR codes stop working."
                )
            )
