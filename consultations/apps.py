from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("CN相談")

    def ready(self) -> None:
        from accounts.signals import account_closing

        from . import services

        account_closing.connect(services.on_account_closing, dispatch_uid="consultations.account_closing")
