from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeminarsConfig(AppConfig):
    name = "seminars"
    verbose_name = _("セミナー")

    def ready(self) -> None:
        from accounts.signals import account_closing

        from . import services

        account_closing.connect(services.on_account_closing, dispatch_uid="seminars.account_closing")
