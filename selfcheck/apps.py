from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfcheckConfig(AppConfig):
    name = "selfcheck"
    verbose_name = _("セルフチェック")

    def ready(self) -> None:
        from accounts.signals import account_closing
        from core.cache import bump_on_change

        from . import models, services

        account_closing.connect(services.on_account_closing, dispatch_uid="selfcheck.account_closing")

        # The factor sets and settings the estimate API keeps in Redis (selectors.factors_cached).
        bump_on_change("selfcheck-factors", models.FactorSet, models.Factor, models.SelfcheckSettings)
