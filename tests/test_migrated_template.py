"""The test databases are copies of a migrated template (tests/migrated_template.py): it must never be stale."""

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import migrated_template


@pytest.mark.django_db
def test_the_test_database_was_copied_from_the_template_of_the_current_migrations_and_lacks_none():
    assert connection.settings_dict["TEST"]["TEMPLATE"] == migrated_template.PREFIX + migrated_template.fingerprint()
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_the_fingerprint_covers_the_migrations_the_modules_they_import_and_the_package_lock():
    names = {str(p.relative_to(migrated_template.ROOT)) for p in migrated_template.inputs()}
    assert "selfcheck/migrations/0002_default_factors.py" in names
    assert {"selfcheck/defaults.py", "subsidies/initial_data.py", "core/migration_utils.py"} <= names
    assert "requirements/dev.lock" in names
    assert "selfcheck/views.py" not in names  # what no migration imports does not rebuild it


def test_a_change_to_a_module_a_migration_imports_through_another_changes_the_fingerprint(tmp_path, monkeypatch):
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "dev.lock").write_text("django==5.2\n")
    (tmp_path / "app" / "migrations").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "migrations" / "0001_initial.py").write_text("from app.defaults import ROWS\n")
    (tmp_path / "app" / "defaults.py").write_text("from .values import VALUES\nROWS = VALUES\n")
    (tmp_path / "app" / "values.py").write_text("VALUES = [1]\n")
    monkeypatch.setattr(migrated_template, "ROOT", tmp_path)
    before = migrated_template.fingerprint()
    assert migrated_template.fingerprint() == before
    (tmp_path / "app" / "values.py").write_text("VALUES = [2]\n")
    assert migrated_template.fingerprint() != before


def test_a_recently_used_template_of_another_fingerprint_is_kept_and_an_old_one_dropped():
    """Another checkout may be running with other migrations: its template stays while it is in use."""
    import time

    from django.conf import settings
    from psycopg2 import sql

    conn = migrated_template._connect(settings.DATABASES["default"])
    # Names of this process only: the same test may run from another checkout on the same server at the same time.
    suffix = f"{os.getpid()}_{settings.DATABASES['default']['NAME']}"[:30]
    recent, old = (migrated_template.PREFIX + f"test_recent_{suffix}", migrated_template.PREFIX + f"test_old_{suffix}")
    try:
        with conn.cursor() as cursor:
            # The lock every build holds: a build of another checkout is never seen half made (and unstamped).
            cursor.execute("SELECT pg_advisory_lock(%s)", [migrated_template.LOCK_KEY])
            for name, stamp in ((recent, time.time()), (old, time.time() - migrated_template.STALE_AFTER - 60)):
                cursor.execute(sql.SQL("CREATE DATABASE {} IS_TEMPLATE true").format(sql.Identifier(name)))
                cursor.execute(sql.SQL("COMMENT ON DATABASE {} IS %s").format(sql.Identifier(name)), [str(int(stamp))])
            migrated_template._drop_stale(cursor, keep=migrated_template.PREFIX + "test_mine")
            cursor.execute("SELECT datname FROM pg_database WHERE datname IN (%s, %s)", [recent, old])
            assert [row[0] for row in cursor.fetchall()] == [recent]
            cursor.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(sql.Identifier(recent)))
            cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(recent)))
    finally:
        conn.close()  # also ends the session's advisory lock
