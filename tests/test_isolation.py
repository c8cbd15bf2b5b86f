"""What a transactional test leaves behind is gone, and what the data migrations loaded is back, for the next test."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from accounts.tests.factories import UserFactory
from tests import dbsnapshot


def _migration_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [dbsnapshot.SCHEMA])
        tables = sorted(t for (t,) in cursor.fetchall())
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM public."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db(transaction=True)
def test_the_end_of_a_transactional_test_puts_back_the_migrations_rows_and_drops_its_own():
    before = _migration_counts()
    assert before["auth_group"] > 0 and before["django_site"] == 1
    UserFactory(email="left-behind@example.jp")
    Group.objects.all().delete()
    connection.close()

    # What Django's TransactionTestCase runs at the end of a transactional test (its documented `flush` command,
    # overridden by the test settings' `tests` app).
    call_command("flush", verbosity=0, interactive=False, database="default", reset_sequences=False)

    assert _migration_counts() == before
    assert not get_user_model().objects.filter(email="left-behind@example.jp").exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_starts_from_what_the_migrations_loaded():
    """Whichever ran before (pytest-randomly shuffles), the groups and the site are there and no stray user is."""
    assert Group.objects.exists()
    assert not get_user_model().objects.filter(email="left-behind@example.jp").exists()
