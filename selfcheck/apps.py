from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfcheckConfig(AppConfig):
    name = "selfcheck"
    verbose_name = _("セルフチェック")

    def ready(self) -> None:
        from accounts.signals import account_closing

        from . import services

        account_closing.connect(services.on_account_closing, dispatch_uid="selfcheck.account_closing")
