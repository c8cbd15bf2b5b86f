"""A migrated database kept on the PostgreSQL server as the template of the test databases.

Running the migrations costs about 20 s of CPU here (Django re-renders the model states of 79 migrations), and
every xdist worker used to run them for its own database. Now the run builds one migrated database, named after a
fingerprint of what the migrations produce, and each worker's test database is copied from it with
CREATE DATABASE … TEMPLATE (Django's TEST["TEMPLATE"]); `migrate` then finds nothing left to apply. A later run
with the same fingerprint reuses it, as pytest-django's --reuse-db would, but with no risk of a stale schema: the
fingerprint covers every migration file, every project module they import (and what those import), and the lock
file of the installed packages (whose own migrations are part of the result).

Other checkouts may share the server and run at the same time with other migrations: a template is never dropped
while another run may still copy it. Each use stamps the template's comment with the time; only templates unused
for STALE_AFTER are dropped, without FORCE, so a template some session is connected to stays.
"""

import ast
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "cnportal_migrated_"
LOCK_KEY = 20261124  # advisory lock: two runs at once build the template once
STALE_AFTER = 3 * 24 * 3600  # seconds a template of another fingerprint is kept after its last use


def _project_module(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file() and ".venv" not in candidate.parts:
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """Dotted names a file imports (`from .x import y` resolved against its package), modules or not."""
    package = list(path.relative_to(ROOT).parent.parts)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def inputs() -> list[Path]:
    """Every file whose content can change what `migrate` produces: the migrations and, transitively, the project
    modules they import; the package lock stands for the installed packages' migrations."""
    seen: set[Path] = set()
    todo = sorted(ROOT.glob("*/migrations/*.py"))
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            module = _project_module(name)
            if module is not None and module not in seen:
                todo.append(module)
    return sorted(seen) + [ROOT / "requirements" / "dev.lock"]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in inputs():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _connect(settings_dict: dict, dbname: str = "postgres"):
    conn = psycopg2.connect(
        dbname=dbname,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
    )
    conn.autocommit = True
    return conn


def ensure(settings_dict: dict) -> str:
    """The name of the template for the current migrations, built first if the server has none."""
    name = PREFIX + fingerprint()
    conn = _connect(settings_dict)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            try:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s AND datistemplate", [name])
                if cursor.fetchone() is None:
                    _drop_stale(cursor, keep=name)
                    _build(cursor, settings_dict, name)
                cursor.execute(
                    sql.SQL("COMMENT ON DATABASE {} IS %s").format(sql.Identifier(name)), [str(int(time.time()))]
                )
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    finally:
        conn.close()
    return name


def _drop_stale(cursor, *, keep: str) -> None:
    """A cut-off build of `keep`, and templates of other fingerprints unused for STALE_AFTER seconds."""
    cursor.execute(
        "SELECT d.datname, shobj_description(d.oid, 'pg_database') FROM pg_database d WHERE d.datname LIKE %s",
        [PREFIX + "%"],
    )
    now = time.time()
    for old, stamp in cursor.fetchall():
        recent = bool(stamp and stamp.isdigit() and now - int(stamp) < STALE_AFTER)
        if old != keep and recent:
            continue
        try:
            cursor.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(sql.Identifier(old)))
            cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(old)))
        except psycopg2.errors.ObjectInUse:
            continue  # another run is copying it right now: it is not stale
        except psycopg2.errors.InvalidCatalogName:
            continue  # dropped meanwhile by a run of another checkout (one whose code takes no advisory lock)


def _build(cursor, settings_dict: dict, name: str) -> None:
    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MIGRATED_TEMPLATE_BUILD": name,  # config.settings.test points the default database at it
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    print(f"building the migrated template database {name} (once per change of the migrations)", file=sys.stderr)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    cursor.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE true").format(sql.Identifier(name)))
