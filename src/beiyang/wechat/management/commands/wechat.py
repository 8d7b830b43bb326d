"""``beiyang wechat menu`` pushes the menu of the operator's file to WeChat; ``beiyang wechat
check`` checks the file, the settings, the access token and that every template id exists on
the account. Both exit non-zero when something is wrong."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beiyang.wechat import client, config


class Command(BaseCommand):
    help = "WeChat Official Account: push the menu (menu) or check the setup (check)"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["menu", "check"])
        parser.add_argument("--file", default=None, help="the menu and templates file (WECHAT_CONFIG_FILE)")

    def handle(self, *args, what: str, file: str | None, **options):
        try:
            spec = config.load(file)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file or settings.WECHAT_CONFIG_FILE}: {exc}") from exc
        problems = config.problems(spec)
        if what == "menu":
            if problems:
                raise CommandError("the file has problems:\n" + "\n".join(f"  - {p}" for p in problems))
            self._need_wechat()
            try:
                client.create_menu(config.menu(spec))
            except (client.WeChatApiError, OSError) as exc:
                raise CommandError(f"WeChat refused the menu: {exc}") from exc
            self.stdout.write(f"menu pushed: {len(spec['menu']['button'])} buttons")
            return
        if not client.enabled():
            problems.append(
                "WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TOKEN and WECHAT_ENCODING_AES_KEY must all be set"
            )
        else:
            problems.extend(self._remote_problems(spec))
        if problems:
            raise CommandError("\n".join(f"  - {p}" for p in problems))
        self.stdout.write(f"ok: {settings.WECHAT_API_BASE}, {len(spec.get('templates') or {})} templates")

    def _need_wechat(self) -> None:
        if not client.enabled():
            raise CommandError(
                "WeChat is off: set WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TOKEN and WECHAT_ENCODING_AES_KEY"
            )

    def _remote_problems(self, spec: dict) -> list[str]:
        from beiyang.wechat import crypto

        found = []
        try:
            crypto.aes_key(settings.WECHAT_ENCODING_AES_KEY)
        except crypto.WeChatCryptoError as exc:
            found.append(f"WECHAT_ENCODING_AES_KEY: {exc}")
        try:
            known = {t.get("template_id") for t in client.private_templates()}
        except (client.WeChatApiError, OSError) as exc:
            return [*found, f"WeChat API: {exc}"]
        for kind, template in (spec.get("templates") or {}).items():
            if (template or {}).get("template_id") not in known:
                found.append(f"template {kind}: {template.get('template_id')} is not on the account")
        return found
