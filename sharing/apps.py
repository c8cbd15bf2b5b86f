from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("セルフチェックの共有")

    def ready(self) -> None:
        # Imported here, not at the top: models (and so services and views) can be imported only once the app
        # registry is ready. Sharing sits above selfcheck and answers its hooks; selfcheck never imports sharing.
        from accounts.signals import account_closing
        from selfcheck import hooks

        from . import services, views

        account_closing.connect(services.on_account_closing, dispatch_uid="sharing.account_closing")
        hooks.result_context.register(views.sheet_result_context)
        hooks.shared_sheet_opened.register(services.shared_sheet_open)
