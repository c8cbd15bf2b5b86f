from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_staff_groups(sender, **kwargs) -> None:
    # post_migrate fires once per app; the last app's signal comes after every table and permission exists.
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is last:
        from .services import staff_groups_sync

        staff_groups_sync()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("アカウントと組織")

    def ready(self) -> None:
        post_migrate.connect(_sync_staff_groups, dispatch_uid="accounts.staff_groups_sync")

        from allauth.account.signals import user_signed_up
        from django.contrib.auth.signals import user_logged_in

        from . import carry

        # The verification mail may be opened in another browser: the sign-up browser's state goes with the account.
        user_signed_up.connect(carry.on_signed_up, dispatch_uid="accounts.carry.signed_up")
        user_logged_in.connect(carry.on_logged_in, dispatch_uid="accounts.carry.logged_in")
