"""`make run` says little: at most 40 lines from the first command to the running server, the demo accounts last,
mails in files unless asked for on the console; and it needs only what serving needs (no Chromium, no wrk).

The test runs the very commands of the Makefile's `run` recipe (read from `make -n run`) against this worker's test
database, with the development settings, and counts what they print; the server is started as `make run` starts
it (with its reloader) and stopped once it has printed the accounts."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
LIMIT = 40


def make_n_run(*args: str) -> list[str]:
    out = subprocess.run(
        # -B: as on a fresh clone, whatever stamps this checkout's .venv already has.
        ["make", "-n", "-B", "--no-print-directory", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_installs_what_serving_needs_only():
    recipe = "\n".join(make_n_run())
    assert "requirements/base.lock" in recipe and "dev.lock" not in recipe
    assert "sysdeps.sh serve" in recipe and "services.sh" not in recipe
    # The Makefile's own lines are silent (@): only the two echo lines print something of make's.
    silent = subprocess.run(["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True).stdout
    assert silent.count("echo ") == 2


@pytest.mark.parametrize(("purpose", "missing"), [("serve", ""), ("test", "chromium poppler-utils"), ("bench", "wrk")])
def test_sysdeps_asks_for_chromium_only_for_tests_and_wrk_only_for_the_benchmark(tmp_path, purpose, missing):
    """A machine with the fonts, Pango and gettext, and nothing else: serving needs nothing more."""
    stubs = {
        "fc-list": "echo 'Noto Sans CJK JP'",
        "ldconfig": "echo libpango-1.0.so libpangoft2-1.0.so",
        "msgfmt": "true",
        "id": "echo 1000",
    }
    for name, body in stubs.items():
        (tmp_path / name).write_text(f"#!{shutil.which('bash')}\n{body}\n")
        (tmp_path / name).chmod(0o755)
    (tmp_path / "grep").symlink_to(shutil.which("grep"))
    done = subprocess.run(
        [shutil.which("bash"), "scripts/sysdeps.sh", purpose],
        cwd=ROOT,
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    if missing:
        assert done.returncode == 1 and f"Missing Debian packages: {missing}." in done.stderr
    else:
        assert done.returncode == 0 and done.stdout == done.stderr == ""


@pytest.mark.django_db(transaction=True)
def test_make_run_prints_at_most_forty_lines_with_the_demo_accounts_last(tmp_path):
    recipe = make_n_run()
    echoes = [line for line in recipe if line.startswith("echo ")]
    load = next(line for line in recipe if " load_demo " in line)
    serve = next(line for line in recipe if " rundemo " in line)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "DATABASE_URL", "CELERY"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=database_url(),
        DJANGO_EMAIL_FILE_PATH=str(tmp_path / "mail"),
        DJANGO_PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONUNBUFFERED="1",
    )
    accounts = tmp_path / "demo-accounts.txt"
    loaded = subprocess.run(
        [sys.executable, "manage.py", "load_demo", "--accounts-file", str(accounts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "--accounts-file tmp/demo-accounts.txt" in load and "--accounts-file tmp/demo-accounts.txt" in serve

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "rundemo", f"127.0.0.1:{port}", "--accounts-file", str(accounts)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    last_account_line = accounts.read_text(encoding="utf-8").rstrip("\n").splitlines()[-1]
    served: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            served.append(line.rstrip("\n"))
            if line.rstrip("\n") == last_account_line:
                time.sleep(1.0)  # anything printed right after the accounts would be counted too
                break
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        rest, _ = server.communicate(timeout=30)
    served += [line for line in (rest or "").splitlines() if line]

    printed = len(echoes) + (loaded.stdout + loaded.stderr).count("\n") + len(served)
    print(
        f"\n[make run] {printed} lines: {len(echoes)} echo, load_demo {(loaded.stdout + loaded.stderr).count(chr(10))}, "
        f"server {len(served)}"
    )
    assert printed <= LIMIT, "\n".join([*echoes, loaded.stdout, loaded.stderr, *served])
    tail = [line for line in served if line.strip()][-6:]
    assert last_account_line in tail[-1] and any("admin@example.jp" in line for line in served[-25:])
    # The demo's mails were written to files, not onto the screen.
    assert not re.search(r"^Subject:", loaded.stdout + loaded.stderr, re.M)
    assert list((tmp_path / "mail").glob("*.log"))
