"""Fixtures shared by every app's tests: users, a clean cache namespace, a live Celery worker, a browser."""

import os
from pathlib import Path

import pytest
import redis
from django.conf import settings

from accounts.tests.factories import (
    PASSWORD,
    InstitutionUserFactory,
    SmeUserFactory,
    StaffUserFactory,
    UserFactory,
    enrol_second_factor,
)

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from tests remain synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _clean_cache_namespace():
    """Forget rate-limit counters and cached values of this suite only (never FLUSHDB a shared Redis)."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    for key in client.scan_iter(f"{prefix}:*", count=1000):
        client.delete(key)
    yield


@pytest.fixture(autouse=True)
def _site_row(request):
    """Transactional tests flush every table, the sites row of the data migration included; put it back."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif marker or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from django.contrib.sites.models import Site

    Site.objects.get_or_create(pk=settings.SITE_ID, defaults={"domain": "testserver", "name": "CN支援ポータル"})


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def sme_user(db):
    return SmeUserFactory()


@pytest.fixture
def institution_user(db):
    return InstitutionUserFactory()


@pytest.fixture
def staff_user(db):
    return StaffUserFactory()


@pytest.fixture
def admin_user(db, django_user_model):
    """pytest-django's superuser, with the second factor the admin requires of every staff account."""
    user = django_user_model.objects.create_superuser(email="admin@example.com", password="password")
    enrol_second_factor(user)
    return user


@pytest.fixture
def sme_client(client, sme_user):
    client.force_login(sme_user)
    return client


@pytest.fixture
def institution_client(client, institution_user):
    client.force_login(institution_user)
    return client


@pytest.fixture
def live_celery_worker(transactional_db):
    """A real Celery worker thread consuming this suite's queue on the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
    # Messages left by earlier tests (which ran without a worker) refer to rows that no longer exist.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=10,
        queues=[settings.CELERY_TASK_DEFAULT_QUEUE],
    ) as worker:
        yield worker


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        # Keep what the browser saw, for the person reading the CI log.
        out = Path(__file__).resolve().parent / "test-artifacts"
        out.mkdir(exist_ok=True)
        page.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
        (out / f"{request.node.name}.html").write_text(page.content())
        print(f"browser artifacts in {out}: {request.node.name}.png/.html; url {page.url}")
    context.close()


def assert_accessible(page) -> None:
    """axe-core on the current page: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    details = "; ".join(f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in bad)
    assert not bad, f"axe-core on {page.url}: {details}"


@pytest.fixture
def axe():
    return assert_accessible
