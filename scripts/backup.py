"""Back up and restore the portal: the PostgreSQL database and the private files, in one archive.

    python scripts/backup.py backup            (make backup)   -> $BACKUP_DIR/cnportal-<db>-<UTC time>.tar.gz
    python scripts/backup.py restore FILE      (make restore FILE=...)

The database is the one DATABASE_URL names, the private files the folder DJANGO_PRIVATE_MEDIA_ROOT names (the same
variables and defaults as the settings, `.env` included). The archive holds `manifest.json` (what is in it, with a
SHA-256 of every file), `database.dump` (pg_dump's custom format) and `private_media/...`.

A restore goes only into an empty database and an empty (or missing) private-files folder, and refuses with one line
otherwise, before it changes anything. The dump is restored in one transaction, so a failed restore leaves the
database empty; every file is checked against its checksum. The restored database holds the migrations table as it
was, so `manage.py migrate` afterwards has nothing to do (unless the code is newer than the backup).

Only the standard library, psycopg2 and django-environ are used, and the PostgreSQL client programs (pg_dump and
pg_restore, version 15 like the server): it runs on the host (make) or in the web image (python scripts/backup.py).
"""

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path

import environ
import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
FORMAT = 1
DUMP = "database.dump"
MANIFEST = "manifest.json"
FILES = "private_media"


class Refused(Exception):
    """Why nothing was done, in one line."""


def _settings() -> tuple[dict, Path]:
    if (BASE_DIR / ".env").exists():
        environ.Env.read_env(BASE_DIR / ".env")
    env = environ.Env()
    database = env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/cnportal")
    if "postgresql" not in database["ENGINE"]:
        raise Refused(f"DATABASE_URL は PostgreSQL ではありません (not PostgreSQL: {database['ENGINE']})")
    private = Path(env("DJANGO_PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
    return database, private


def _pg_env(database: dict) -> dict:
    """libpq's variables, so that no password appears on a command line."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[name] = str(database[key])
    env["PGDATABASE"] = database["NAME"]
    return env


def _connect(database: dict):
    return psycopg2.connect(
        dbname=database["NAME"],
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        connect_timeout=10,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return ""


def _user_relations(database: dict) -> int:
    """Tables, views and sequences outside PostgreSQL's own schemas (an empty database has none)."""
    with closing(_connect(database)) as conn, conn.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
            """
        )
        return cursor.fetchone()[0]


def _migrations(database: dict) -> dict[str, str]:
    with closing(_connect(database)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
        return dict(cursor.fetchall())


def backup(*, directory: Path) -> Path:
    """Write one archive with the database and the private files; returns its path."""
    database, private = _settings()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"cnportal-{database['NAME']}-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as work:
        dump = Path(work) / DUMP
        # The database first, then the files: a file the dumped rows point at was written before its row.
        done = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"],
            env=_pg_env(database),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise Refused(f"pg_dump が失敗しました (pg_dump failed): {done.stderr.strip().splitlines()[-1:]}")
        files = {}
        if private.is_dir():
            for path in sorted(p for p in private.rglob("*") if p.is_file()):
                files[path.relative_to(private).as_posix()] = {"sha256": _sha256(path), "size": path.stat().st_size}
        version = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout.strip()
        manifest = {
            "format": FORMAT,
            "created_at": stamp,
            "database": database["NAME"],
            "pg_dump": version,
            "dump_sha256": _sha256(dump),
            "dump_size": dump.stat().st_size,
            "relations": _user_relations(database),
            "migrations": _migrations(database),
            "files": files,
        }
        partial = Path(work) / target.name
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(dt.datetime.now(dt.UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=DUMP)
            for name in files:
                archive.add(private / name, arcname=f"{FILES}/{name}")
        partial.chmod(0o600)  # personal data: readable by the operator only
        os.replace(partial, target)  # never a half-written archive under the final name
    print(
        f"backup: {target} (database {database['NAME']}: {manifest['relations']} relations, dump "
        f"{_size(manifest['dump_size'])}; private files: {len(files)}, {_size(sum(f['size'] for f in files.values()))})"
    )
    return target


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = archive.getmembers()
    for member in members:
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise Refused(f"アーカイブに不正なパスがあります (unsafe path in the archive): {member.name}")
    return members


def restore(*, archive_path: Path) -> None:
    """Restore an archive into the empty database and the empty private-files folder; refuses anything else."""
    database, private = _settings()
    if not archive_path.is_file():
        raise Refused(f"バックアップファイルがありません (no such file): {archive_path}")
    with tarfile.open(archive_path, "r:gz") as archive:
        members = {m.name: m for m in _safe_members(archive)}
        if MANIFEST not in members or DUMP not in members:
            raise Refused(f"このポータルのバックアップではありません (not a portal backup): {archive_path}")
        manifest = json.loads(archive.extractfile(members[MANIFEST]).read())
        if manifest.get("format") != FORMAT:
            raise Refused(f"形式が違います (unknown backup format {manifest.get('format')})")
        # Both checks before anything changes.
        try:
            relations = _user_relations(database)
        except psycopg2.OperationalError as exc:
            first = str(exc).strip().splitlines()[0]
            raise Refused(
                f"データベース {database['NAME']} に接続できません。空のデータベースを作成してから復元してください "
                f"(cannot connect; create the empty database first): {first}"
            ) from None
        if relations:
            raise Refused(
                f"データベース {database['NAME']} は空ではありません（{relations}個の表など）。空のデータベースにだけ"
                f"復元できます (refused: database {database['NAME']} is not empty)"
            )
        if private.exists() and (not private.is_dir() or any(private.iterdir())):
            raise Refused(
                f"非公開ファイルのフォルダ {private} は空ではありません。空のフォルダにだけ復元できます "
                f"(refused: private files folder {private} is not empty)"
            )
        with tempfile.TemporaryDirectory(prefix=".restore-") as work:
            dump = Path(work) / DUMP
            with archive.extractfile(members[DUMP]) as source, dump.open("wb") as out:
                shutil.copyfileobj(source, out)
            if _sha256(dump) != manifest["dump_sha256"]:
                raise Refused("データベースのダンプが壊れています (database dump checksum mismatch)")
            done = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={database['NAME']}",
                    str(dump),
                ],
                env=_pg_env(database),
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise Refused(f"pg_restore が失敗しました (pg_restore failed): {done.stderr.strip().splitlines()[-1:]}")
        private.mkdir(parents=True, exist_ok=True)
        for name, expected in manifest["files"].items():
            target = private / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(members[f"{FILES}/{name}"]) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            if _sha256(target) != expected["sha256"]:
                raise Refused(f"ファイルが壊れています (checksum mismatch): {name}")
    print(
        f"restore: {archive_path.name} -> database {database['NAME']} ({_user_relations(database)} relations), "
        f"{private} ({len(manifest['files'])} private files, checksums match); backup taken {manifest['created_at']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backup")
    restoring = commands.add_parser("restore")
    restoring.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            backup(directory=Path(os.environ.get("BACKUP_DIR") or "backups"))
        else:
            restore(archive_path=args.file)
    except Refused as refused:
        print(f"{args.command}: {refused}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
