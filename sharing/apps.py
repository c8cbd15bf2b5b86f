from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("セルフチェックの共有")

    def ready(self) -> None:
        from accounts.signals import account_closing

        from . import services

        account_closing.connect(services.on_account_closing, dispatch_uid="sharing.account_closing")
