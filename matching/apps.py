from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("CNビジネスマッチング")

    def ready(self) -> None:
        from accounts.signals import account_closing, account_personal_texts

        from . import services

        account_closing.connect(services.on_account_closing, dispatch_uid="matching.account_closing")
        account_personal_texts.connect(services.on_account_personal_texts, dispatch_uid="matching.texts")
