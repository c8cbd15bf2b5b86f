from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("補助金・支援策")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.signals import account_closing
        from core.cache import bump_on_change

        from . import ordering, services
        from .models import CATALOGUE_VERSION, ApplicationRound, Measure, Track, TrackCap

        bump_on_change(CATALOGUE_VERSION, Measure, Track, TrackCap, ApplicationRound)

        def round_changed(sender, instance, **kwargs) -> None:
            # The measure's place in the finder follows its rounds at once (subsidies.ordering).
            ordering.refresh(measure_ids=[instance.measure_id])

        post_save.connect(round_changed, sender=ApplicationRound, weak=False, dispatch_uid="subsidies_round_saved")
        post_delete.connect(round_changed, sender=ApplicationRound, weak=False, dispatch_uid="subsidies_round_deleted")
        account_closing.connect(services.on_account_closing, dispatch_uid="subsidies.account_closing")
