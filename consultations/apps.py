from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("CN相談")

    def ready(self) -> None:
        from accounts.signals import account_closing, account_personal_texts
        from core.cache import bump_on_change

        from . import models, services

        account_closing.connect(services.on_account_closing, dispatch_uid="consultations.account_closing")
        account_personal_texts.connect(services.on_account_personal_texts, dispatch_uid="consultations.texts")

        # Everything slot availability is computed from: a change to any of these retires the cached slots.
        bump_on_change(
            "consultations",
            models.ConsultationWindow,
            models.OpeningRule,
            models.Closure,
            models.Advisor,
            models.AdvisorAvailability,
            models.AdvisorDayOff,
            models.Booking,
        )
