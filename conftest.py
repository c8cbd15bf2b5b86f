"""Fixtures shared by every app's tests: users, a clean cache namespace, a live Celery worker, a browser."""

import os
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.utils import translation

from accounts.tests.factories import (
    PASSWORD,
    InstitutionUserFactory,
    SmeUserFactory,
    StaffUserFactory,
    UserFactory,
    enrol_second_factor,
)
from tests import dbsnapshot

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


def pytest_configure(config):
    """The test databases are copies of one migrated template (tests/migrated_template.py); under xdist the
    controller builds it before the workers start, and each worker finds it ready."""
    from django.db import connections

    from tests import migrated_template

    settings_dict = connections["default"].settings_dict
    settings_dict["TEST"]["TEMPLATE"] = migrated_template.ensure(settings_dict)


# Tests that drive a browser, a live server, a Celery worker or threads take seconds each, the rest milliseconds.
HEAVY_FIXTURES = {"browser", "page", "live_server", "live_celery_worker", "transactional_db"}


def _heavy(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(HEAVY_FIXTURES & set(getattr(item, "fixturenames", ()))) or bool(
        marker and marker.kwargs.get("transaction")
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """After pytest-randomly's shuffle, the heavy tests go first, half at the head of each half of the list (xdist's
    worksteal hands each worker one half): a worker that draws a long browser flow last no longer runs it alone
    while the other one waits. The order within each kind stays the seed's."""
    heavy = [item for item in items if _heavy(item)]
    if not heavy or len(heavy) == len(items):
        return
    chosen = {id(item) for item in heavy}
    light = [item for item in items if id(item) not in chosen]
    first, second = heavy[0::2], heavy[1::2]
    split = max(0, len(items) // 2 - len(first))
    items[:] = first + light[:split] + second + light[split:]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in Japanese: a request with the English cookie leaves its thread in English, and the
    service messages of the next test would be translated (seen with --randomly-seed=1443129465)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clean_cache_namespace():
    """Forget rate-limit counters and cached values of this suite only (never FLUSHDB a shared Redis)."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    for key in client.scan_iter(f"{prefix}:*", count=1000):
        client.delete(key)
    from core import cache

    cache._unsent.clear()  # a bump a previous test's outage left unsent belongs to that test's Redis
    yield


@pytest.fixture(scope="session", autouse=True)
def _migration_rows_snapshot(django_db_setup, django_db_blocker):
    """Copy every row the data migrations loaded (groups, windows, factor sets, past seminars, the site, ...) once
    per session; transactional tests end by putting it back (tests/dbsnapshot.py: through the `flush` command the
    test settings override), so that any later test, whatever the order, starts from the database `migrate` made."""
    with django_db_blocker.unblock():
        dbsnapshot.take()
    yield
    with django_db_blocker.unblock():
        dbsnapshot.release()


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


# axe-core gives every violation its rule's impact (checked by tests/test_axe.py). Only serious and critical ones
# fail a test, so the rules whose impact is minor or moderate are not run at all: the verdict is the same, and a
# check takes about a quarter less time (most of the suite's browser time is axe).
_AXE_RUN = """() => {
  const rules = {};
  for (const rule of axe._audit.rules) {
    if (rule.impact === "minor" || rule.impact === "moderate") rules[rule.id] = {enabled: false};
  }
  return axe.run({resultTypes: ["violations"], rules});
}"""


def load_axe(page) -> None:
    """axe-core into the current page, unless it is there already (it goes with each navigation)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        from axe_playwright_python.sync_playwright import Axe

        page.evaluate(Axe().axe_script)


def axe_violations(page) -> list[dict]:
    """The serious and critical axe-core violations on the current page."""
    load_axe(page)
    results = page.evaluate(_AXE_RUN)
    return [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]


def assert_accessible(page) -> None:
    """axe-core on the current page: no serious or critical violation."""
    bad = axe_violations(page)
    details = "; ".join(f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in bad)
    assert not bad, f"axe-core on {page.url}: {details}"


PHONE_WIDTH = 390  # CSS px of a common phone (iPhone 12–15)

# Every element whose right edge passes the viewport outside a container that scrolls or clips it: the culprits
# named in the failure message (the page's scrollWidth is what the assertion trusts).
_SIDEWAYS = """() => {
  const root = document.documentElement;
  const limit = root.clientWidth + 0.5;
  const contained = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden" || x === "clip") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.classList.length ? "." + [...el.classList].join(".") : "");
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > limit && !contained(el))
    .slice(0, 6).map((el) => `${name(el)} (right ${Math.round(el.getBoundingClientRect().right)})`);
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits};
}"""


# Whether a region scrolls depends on the width: at the phone's width axe-core checks again that every region that
# scrolls there can be reached by keyboard (the full run above is at the page's own width).
_AXE_SCROLL_REGIONS = """() => axe.run(
  {runOnly: {type: "rule", values: ["scrollable-region-focusable"]}, resultTypes: ["violations"]}
)"""


def assert_no_sideways_scroll(page, width: int = PHONE_WIDTH) -> None:
    """At a phone's width the page must not scroll sideways: wide content wraps, stacks, or scrolls inside its
    own labelled region, which a keyboard can reach. The viewport is narrowed for the check and restored afterwards.

    Django's admin (the SMRJ desk) is left out: it is a desktop tool, checked at 1280 px by its own tests."""
    if "/admin/" in page.url:
        return
    original = page.viewport_size
    page.set_viewport_size({"width": width, "height": 844})
    try:
        found = page.evaluate(_SIDEWAYS)
        load_axe(page)
        unreachable = page.evaluate(_AXE_SCROLL_REGIONS)["violations"]
    finally:
        page.set_viewport_size(original)
    assert found["scrollWidth"] <= found["clientWidth"], (
        f"{page.url} scrolls sideways at {width} px: {found['scrollWidth']} px wide; {found['culprits']}"
    )
    regions = [n["target"] for v in unreachable for n in v["nodes"]]
    assert not regions, f"{page.url} at {width} px: a region that scrolls cannot be reached by keyboard: {regions}"


def check_page(page) -> None:
    """What every page a browser test visits must pass: axe-core, and no sideways scrolling on a phone."""
    assert_accessible(page)
    assert_no_sideways_scroll(page)


@pytest.fixture
def axe():
    return check_page
