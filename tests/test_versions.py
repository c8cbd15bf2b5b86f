"""Version tokens (core.versions): each process keeps the tokens it read while subscribed to bump notices and
learns of every bump, made in any process, before its next read; a lost subscription trusts nothing it read."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings

from core import versions

BUMPER = r"""
import sys
import django
django.setup()
from core import versions
for line in sys.stdin:
    versions.bump(line.strip())
    print("bumped", flush=True)
"""


@pytest.fixture
def reads(monkeypatch):
    """How often this process asks Redis for tokens."""
    counted = []
    read = versions._read

    def counting(keys):
        counted.append(keys)
        return read(keys)

    monkeypatch.setattr(versions, "_read", counting)
    return counted


@pytest.fixture
def other_process():
    """A second Django process on the same Redis and key prefix that bumps a namespace on demand."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DB_NAME": settings.DATABASES["default"]["NAME"],  # the same Redis key prefix as this test
        "PYTHONPATH": str(Path(settings.BASE_DIR)),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    process = subprocess.Popen(
        [sys.executable, "-c", BUMPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        cwd=settings.BASE_DIR,
    )  # fmt: skip

    def bump(namespace: str) -> None:
        process.stdin.write(namespace + "\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "bumped"

    yield bump
    process.stdin.close()
    process.wait(timeout=30)


def test_a_token_read_once_is_kept_without_asking_redis_again(reads):
    first = versions.current("tests-a")
    assert versions.current("tests-a") == versions.current("tests-a") == first
    assert len(reads) == 1


def test_a_bump_in_another_process_is_seen_by_the_very_next_read(reads, other_process):
    before = versions.current("tests-a", "tests-b")
    assert versions.current("tests-a", "tests-b") == before
    other_process("tests-a")  # no waiting: the notice is read before the next use
    after = versions.current("tests-a", "tests-b")
    assert after[0] != before[0] and after[1] == before[1]
    assert after == versions.current("tests-a", "tests-b")
    assert len(reads) == 2


@pytest.mark.django_db
def test_this_process_sees_its_own_bump_at_once():
    before = versions.current("tests-a")
    versions.bump("tests-a")
    assert versions.current("tests-a") != before


def test_a_lost_subscription_trusts_nothing_read_before_it(reads):
    before = versions.current("tests-a")
    # The subscription's connection is closed by the server (a restart, a network cut) and the token changes
    # meanwhile, with no notice reaching this process.
    connection = versions._subscription.connection
    host, port = connection._sock.getsockname()[:2]
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    client.client_kill_filter(_type="pubsub", addr=f"{host}:{port}")
    client.set(versions.cache.make_and_validate_key(versions._key("tests-a")), "changed-without-notice")
    assert versions.current("tests-a") == (b"changed-without-notice",)
    assert versions.current("tests-a") == (b"changed-without-notice",)  # subscribed again: trusted again
    assert len(reads) == 2
    assert before != (b"changed-without-notice",)


def test_a_token_is_asked_for_again_after_trust_seconds_even_without_a_notice(reads, monkeypatch):
    versions.current("tests-a")
    monkeypatch.setattr(versions, "TRUST_SECONDS", 0.0)
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    client.set(versions.cache.make_and_validate_key(versions._key("tests-a")), "changed-without-notice")
    assert versions.current("tests-a") == (b"changed-without-notice",)
    assert len(reads) == 2
