"""What a transactional test leaves behind is gone, and what the data migrations loaded is back, for the next test."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

import conftest as root
from accounts.tests.factories import UserFactory


def _migration_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [root.SNAPSHOT_SCHEMA]
        )
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

    root._restore_instead_of_flush(None)

    assert _migration_counts() == before
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="left-behind@example.jp").exists()
