from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Order matters: later areas refer to the demo users and companies.
DEMO_MODULES = [
    "accounts.demo",
    "consultations.demo",
    "advisors.demo",
    "institutions.demo",
    "selfcheck.demo",
    "sharing.demo",
    "seminars.demo",
    "subsidies.demo",
    "matching.demo",
    "dispatch.demo",
]


class Command(BaseCommand):
    help = "Load the demo data (idempotent): demo users, and the demo content of each area."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even when DEBUG is off (the demo users have a published password).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("load_demo creates users with a published password; pass --allow-production.")
        for name in DEMO_MODULES:
            with transaction.atomic():
                import_module(name).load_demo(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("デモデータを読み込みました (demo data loaded)."))
