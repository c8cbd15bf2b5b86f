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

        # A try-out's token goes with the account signed up from that browser (accounts.carry): the verification
        # mail opened on a phone still brings the tried-out sheet to the new company.
        from accounts import hooks as account_hooks

        from .views import signup_session_keys

        account_hooks.signup_session_keys.register(signup_session_keys)

        # The factor sets and settings the estimate API keeps in Redis (selectors.factors_cached).
        bump_on_change("selfcheck-factors", models.FactorSet, models.Factor, models.SelfcheckSettings)
