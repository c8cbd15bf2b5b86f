"""`make run`'s server: Django's runserver, then the demo accounts, so that how to sign in is the last thing on
screen (not pushed away by the server's banner)."""

from pathlib import Path

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand


class Command(RunserverCommand):
    help = "runserver, then print the file load_demo --accounts-file wrote (the demo accounts)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--accounts-file", default="", help="The file load_demo --accounts-file wrote.")

    def execute(self, *args, **options):
        self.accounts_file = options.get("accounts_file", "")
        return super().execute(*args, **options)

    def on_bind(self, server_port) -> None:
        super().on_bind(server_port)
        path = Path(self.accounts_file) if self.accounts_file else None
        if path is not None and path.is_file():
            self.stdout.write("")
            self.stdout.write(path.read_text(encoding="utf-8").rstrip("\n"))
