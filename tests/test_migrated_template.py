"""The test databases are copies of a migrated template (tests/migrated_template.py): it must never be stale."""

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
