from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("補助金・支援策")

    def ready(self) -> None:
        from accounts.signals import account_closing

        from . import services

        account_closing.connect(services.on_account_closing, dispatch_uid="subsidies.account_closing")
