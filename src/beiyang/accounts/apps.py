from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "beiyang.accounts"
    label = "accounts"
    verbose_name = "账户 Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from beiyang.accounts.roles import ensure_role_groups
        from beiyang.accounts.token_cache import connect_signals

        post_migrate.connect(ensure_role_groups, dispatch_uid="beiyang.accounts.roles")
        connect_signals()
