"""Versions of cached data (core.cache): a number per namespace kept in Redis, one `incr` per change, read once per
request; every process sees a bump made in any process at its next read, and nothing is held per process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.test import RequestFactory

from core import cache

BUMPER = r"""
import sys
import django
django.setup()
from core import cache
for line in sys.stdin:
    cache.bump(line.strip())
    print("bumped", flush=True)
"""


@pytest.fixture
def reads(monkeypatch):
    """How often this process asks Redis for versions."""
    counted = []
    shared = cache._shared

    def counting(name, *args, **kwargs):
        if name == "get_many":
            counted.append(args)
        return shared(name, *args, **kwargs)

    monkeypatch.setattr(cache, "_shared", counting)
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


def test_versions_are_read_from_redis_every_time_outside_a_request(reads):
    first = cache.versions("tests-a")
    assert cache.versions("tests-a") == first
    assert len(reads) == 2  # nothing kept by the process


def test_within_one_request_each_version_is_read_once(reads):
    def view(request):
        return cache.versions("tests-a", "tests-b"), cache.versions("tests-a"), cache.versions("tests-b")

    both, a, b = cache.RequestVersionsMiddleware(view)(RequestFactory().get("/"))
    assert both == a + b
    assert len(reads) == 1


def test_a_bump_in_another_process_is_seen_by_the_very_next_read(other_process):
    before = cache.versions("tests-a", "tests-b")
    other_process("tests-a")
    after = cache.versions("tests-a", "tests-b")
    assert after[0] == before[0] + 1 and after[1] == before[1]


@pytest.mark.django_db
def test_this_process_sees_its_own_bump_at_once_even_inside_its_transaction():
    before = cache.versions("tests-a")
    cache.bump("tests-a")
    assert cache.versions("tests-a") != before


@pytest.mark.django_db(transaction=True)
def test_a_bump_is_sent_again_when_the_transaction_commits():
    """A reader in another process may fill the cache from a snapshot taken before the commit under the version the
    transaction's first bump made: the bump on commit retires that."""
    (before,) = cache.versions("tests-a")
    with transaction.atomic():
        cache.bump("tests-a")
        assert cache.versions("tests-a") == (before + 1,)
    assert cache.versions("tests-a") == (before + 2,)
    cache.bump("tests-a")  # outside a transaction: once
    assert cache.versions("tests-a") == (before + 3,)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_bumps_nothing_more():
    (before,) = cache.versions("tests-a")
    with pytest.raises(RuntimeError), transaction.atomic():
        cache.bump("tests-a")
        raise RuntimeError
    assert cache.versions("tests-a") == (before + 1,)


def test_a_version_lost_from_redis_restarts_at_a_number_never_handed_out():
    (before,) = cache.versions("tests-a")
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    client.delete(cache.caches["default"].make_and_validate_key(cache.VERSION_KEY + "tests-a"))
    (after,) = cache.versions("tests-a")
    assert after != before  # an ETag or a cached value from before the loss is never taken for current


def test_cached_values_follow_the_version_and_are_shared_through_redis():
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert cache.cached("tests-value", ("tests-a",), compute) == {"n": 1}
    assert cache.cached("tests-value", ("tests-a",), compute) == {"n": 1}
    cache._incr(["tests-a"])
    assert cache.cached("tests-value", ("tests-a",), compute) == {"n": 2}
    assert len(calls) == 2
