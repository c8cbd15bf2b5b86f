from importlib import import_module
from io import StringIO
from pathlib import Path

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
        parser.add_argument(
            "--accounts-file",
            default="",
            help="Write what the areas say (the demo accounts and how to sign in) to this file and print one line "
            "(make run prints the file after the server's banner, so the accounts are the last lines on screen).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("load_demo creates users with a published password; pass --allow-production.")
        target = options["accounts_file"]
        out = _Lines() if target else self.stdout
        for name in DEMO_MODULES:
            with transaction.atomic():
                import_module(name).load_demo(stdout=out)
        if target:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_text(out.getvalue(), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS("デモデータを読み込みました (demo data loaded)."))


class _Lines(StringIO):
    """What the demo modules write (they call write() once a line, like a command's stdout)."""

    def write(self, text: str) -> int:
        return super().write(text if text.endswith("\n") else text + "\n")
