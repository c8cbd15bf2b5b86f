from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("支援機関のプッシュ型支援")

    def ready(self) -> None:
        # Answers to consultations' hooks (consultations sits below institutions and never imports it); imported
        # here because models are not ready before app loading ends.
        from consultations import hooks

        from . import selectors

        hooks.may_sit_in.register(selectors.is_active_member)
        hooks.member_institutions.register(selectors.member_institutions)
        hooks.sitting_in_bookings.register(selectors.sitting_in_bookings)
        hooks.booked_on_request.register(selectors.booked_on_request)

        # The invitation's link goes with the account signed up from that browser (accounts.carry): the
        # verification mail opened on a phone still leads back to the invitation.
        from accounts import hooks as account_hooks

        from .views import signup_session_keys

        account_hooks.signup_session_keys.register(signup_session_keys)
