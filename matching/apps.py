from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("CNビジネスマッチング")

    def ready(self) -> None:
        from accounts.signals import account_closing, account_personal_texts
        from core.cache import bump_on_change

        from . import models, selectors, services

        account_closing.connect(services.on_account_closing, dispatch_uid="matching.account_closing")
        account_personal_texts.connect(services.on_account_personal_texts, dispatch_uid="matching.texts")

        # What the public needs API shows: the needs and their buyers' profiles.
        bump_on_change(selectors.NEEDS_NAMESPACE, models.Need, models.Buyer)
