import os
import sys

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "core"
    verbose_name = _("共通")

    def ready(self) -> None:
        if (
            settings.DEBUG
            and settings.CELERY_TASK_ALWAYS_EAGER
            and "runserver" in sys.argv
            and os.environ.get("RUN_MAIN") == "true"
        ):
            print(
                "REDIS_URL が未設定のため、Celery タスクはプロセス内で実行します"
                " (tasks run in-process: no Redis configured).",
                file=sys.stderr,
            )


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the staff site (sign-in through allauth, second factor required)."""

    default = False  # "core" in INSTALLED_APPS means CoreConfig
    default_site = "core.admin_site.StaffAdminSite"
