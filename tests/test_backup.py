"""make backup / make restore (scripts/backup.py): a database with the demo data and private files comes back
row for row and byte for byte into an empty database and folder, after which migrate has nothing to do; a restore
into anything that is not empty is refused with one line and changes nothing."""

import hashlib
import os
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str) -> str:
    s = connection.settings_dict
    credentials = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _server(sql: str) -> None:
    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname="postgres", host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"]
    )
    conn.autocommit = True
    with closing(conn), conn.cursor() as cursor:
        cursor.execute(sql)


@pytest.fixture
def scratch_databases():
    """Empty databases with unique names, created here and dropped here (never any other)."""
    made: list[str] = []

    def make() -> str:
        name = f"restore_test_{uuid.uuid4().hex[:12]}"
        _server(f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    yield make
    for name in made:
        _server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(command: list[str], *, database: str, private: Path, backups: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=_url(database),
        DJANGO_PRIVATE_MEDIA_ROOT=str(private),
        BACKUP_DIR=str(backups),
    )
    return subprocess.run(
        [sys.executable, "scripts/backup.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _tables(name: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows (in a stable order), and every sequence's position."""
    s = connection.settings_dict
    conn = psycopg2.connect(dbname=name, host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"])
    found = {}
    with closing(conn), conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        for (table,) in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"
            )
            found[table] = cursor.fetchone()
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        for sequence, last_value in cursor.fetchall():
            found[f"sequence {sequence}"] = (last_value, "")
    return found


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_a_backup_of_the_demo_data_and_private_files_restores_row_for_row_and_byte_for_byte(
    tmp_path, settings, scratch_databases
):
    source_db = connection.settings_dict["NAME"]
    source_files = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = source_files
    call_command("load_demo", "--allow-production", stdout=open(os.devnull, "w"))  # noqa: SIM115
    # the kinds of private files the portal keeps: report PDFs, matching attachments, dispatch deliverables
    for relative, content in {
        "selfcheck/2026/sheet-1.pdf": b"%PDF-1.7\n" + os.urandom(40_000),
        "matching/attachments/7/見積書 (最終).pdf": os.urandom(5_000),
        "dispatch/deliverables/3/diagnosis_report.pdf": os.urandom(70_000),
        "dispatch/deliverables/3/empty.txt": b"",
    }.items():
        (source_files / relative).parent.mkdir(parents=True, exist_ok=True)
        (source_files / relative).write_bytes(content)
    before_tables, before_files = _tables(source_db), _files(source_files)
    filled = [t for t, (rows, _digest) in before_tables.items() if rows and not t.startswith("sequence ")]
    assert before_tables["accounts_user"][0] >= 5 and before_tables["accounts_company"][0] > 0  # the demo data

    backups = tmp_path / "backups"
    made = _run(["backup"], database=source_db, private=source_files, backups=backups)
    assert made.returncode == 0, made.stderr
    (archive,) = backups.glob("cnportal-*.tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    target_db, target_files = scratch_databases(), tmp_path / "restored"
    restored = _run(["restore", str(archive)], database=target_db, private=target_files, backups=backups)
    assert restored.returncode == 0, restored.stderr
    print(f"\n{made.stdout.strip()}\n{restored.stdout.strip()}")
    rows = sum(before_tables[t][0] for t in filled)
    print(
        f"compared {len(before_tables)} tables and sequences ({len(filled)} tables with {rows} rows), {len(before_files)} files"
    )

    after_tables = _tables(target_db)
    assert after_tables.keys() == before_tables.keys()
    differing = [t for t in before_tables if before_tables[t] != after_tables[t]]
    assert differing == []
    assert _files(target_files) == before_files and len(before_files) > 4  # the demo writes files of its own too

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=_url(target_db))
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr  # migrate has nothing to do

    # a second restore into what is now full: refused in one line, nothing touched
    again = _run(["restore", str(archive)], database=target_db, private=tmp_path / "other", backups=backups)
    assert again.returncode == 2 and again.stdout == ""
    assert len(again.stderr.strip().splitlines()) == 1 and "is not empty" in again.stderr
    assert target_db in again.stderr and not (tmp_path / "other").exists()
    assert _tables(target_db) == after_tables


def test_a_restore_into_a_folder_that_is_not_empty_is_refused_before_the_database_is_touched(
    tmp_path, scratch_databases
):
    source_db = connection.settings_dict["NAME"]
    source_files = tmp_path / "private"
    (source_files / "a").mkdir(parents=True)
    (source_files / "a" / "report.pdf").write_bytes(b"%PDF")
    backups = tmp_path / "backups"
    assert _run(["backup"], database=source_db, private=source_files, backups=backups).returncode == 0
    (archive,) = backups.glob("*.tar.gz")

    target_db, occupied = scratch_databases(), tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "left-over.pdf").write_bytes(b"old")
    refused = _run(["restore", str(archive)], database=target_db, private=occupied, backups=backups)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "private files folder" in refused.stderr and str(occupied) in refused.stderr
    assert _tables(target_db) == {}  # the empty database stayed empty
    assert _files(occupied) == {"left-over.pdf": hashlib.sha256(b"old").hexdigest()}

    missing = _run(["restore", str(archive)], database=f"{target_db}_missing", private=tmp_path / "x", backups=backups)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "create the empty database first" in missing.stderr
