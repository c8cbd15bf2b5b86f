from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dispatch"
    verbose_name = _("専門家派遣（診断・助言／ハンズオン支援）")

    def ready(self) -> None:
        from accounts.signals import account_closing, account_personal_texts

        from . import services

        account_closing.connect(services.on_account_closing, dispatch_uid="dispatch.account_closing")
        account_personal_texts.connect(services.on_account_personal_texts, dispatch_uid="dispatch.texts")
