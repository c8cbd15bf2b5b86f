from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeminarsConfig(AppConfig):
    name = "seminars"
    verbose_name = _("セミナー")

    def ready(self) -> None:
        from accounts.signals import account_closing
        from core.cache import bump_on_change

        from . import models, services

        account_closing.connect(services.on_account_closing, dispatch_uid="seminars.account_closing")

        # What the cached seminar list shows (seats left counts registrations).
        bump_on_change("seminars", models.Seminar, models.CoHost, models.Session, models.Material, models.Registration)
