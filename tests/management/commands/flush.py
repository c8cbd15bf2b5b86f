"""Test settings only: after a transactional test, put back the migrated rows instead of emptying the database
(tests/dbsnapshot.py says why and how); Django's own flush when no test session took a copy."""

from django.core.management.commands.flush import Command as DjangoFlush

from tests import dbsnapshot


class Command(DjangoFlush):
    def handle(self, **options):
        if dbsnapshot.taken() and options.get("database", "default") == "default" and not options.get("interactive"):
            dbsnapshot.restore()
            return
        return super().handle(**options)
