"""Cached slot availability (consultations.selectors) is retired by every kind of change, in every process."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import SmeUserFactory
from consultations import selectors, services
from consultations.models import (
    Advisor,
    AdvisorAvailability,
    AdvisorDayOff,
    Booking,
    BookingStatus,
    Closure,
    ConsultationWindow,
    OpeningRule,
)
from consultations.tests.conftest import at, intake, make_advisor

pytestmark = pytest.mark.django_db
THURSDAY = dt.date(2026, 4, 23)


def cached(window=None) -> list[tuple[dt.datetime, list[int]]]:
    window = window or ConsultationWindow.objects.get(code="hq")
    slots = selectors.window_slots(window=window, date_from=THURSDAY, date_to=THURSDAY + dt.timedelta(days=7))
    return [(s.start, list(s.free_advisor_ids)) for s in slots]


def fresh(window=None) -> list[tuple[dt.datetime, list[int]]]:
    window = window or ConsultationWindow.objects.get(code="hq")
    slots = services.window_slots(window=window, date_from=THURSDAY, date_to=THURSDAY + dt.timedelta(days=7))
    return [(s.start, list(s.free_advisor_ids)) for s in slots]


def test_cached_slots_equal_the_fresh_computation_and_cost_no_query_the_second_time(frozen, advisor):
    hq = ConsultationWindow.objects.get(code="hq")
    first = cached(hq)
    with CaptureQueriesContext(connection) as queries:
        second = cached(hq)
    assert first == second == fresh()
    assert len(queries.captured_queries) == 0


# Each change is a generator: what comes before `yield` is set-up, what follows is the change under test.


def _book(advisor, sme_user):
    yield
    services.booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())


def _cancel(advisor, sme_user):
    booking = services.booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    yield
    services.booking_cancel(user=sme_user, pk=booking.pk, token=booking.token)


def _desk_cancels(advisor, sme_user):
    booking = services.booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    yield
    services.booking_set_status(booking=booking, status=BookingStatus.CANCELLED)


def _reschedule(advisor, sme_user):
    booking = services.booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    yield
    services.booking_reschedule(user=sme_user, pk=booking.pk, token=booking.token, start=at(2026, 4, 28, 11))


def _booking_deleted(advisor, sme_user):
    booking = services.booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    yield
    Booking.objects.get(pk=booking.pk).delete()


def _rule_changed(advisor, sme_user):
    yield
    rule = OpeningRule.objects.get(window__code="hq", weekday=3)
    rule.end = dt.time(12)
    rule.save()


def _rule_added(advisor, sme_user):
    yield
    hq = ConsultationWindow.objects.get(code="hq")
    OpeningRule.objects.create(window=hq, weekday=4, start=dt.time(9), end=dt.time(12))


def _rule_deleted(advisor, sme_user):
    yield
    OpeningRule.objects.filter(window__code="hq", weekday=1).delete()


def _closure(advisor, sme_user):
    yield
    Closure.objects.create(window=None, date=THURSDAY, reason="臨時休業")


def _window_closure(advisor, sme_user):
    yield
    Closure.objects.create(window=ConsultationWindow.objects.get(code="hq"), date=THURSDAY)


def _closure_lifted(advisor, sme_user):
    closure = Closure.objects.create(window=None, date=THURSDAY, reason="臨時休業")
    yield
    closure.delete()


def _day_off(advisor, sme_user):
    yield
    AdvisorDayOff.objects.create(advisor=advisor, date=THURSDAY)


def _availability(advisor, sme_user):
    yield
    row = AdvisorAvailability.objects.get(advisor=advisor, weekday=3)
    row.start = dt.time(13)
    row.save()


def _advisor_inactive(advisor, sme_user):
    yield
    advisor.is_active = False
    advisor.save()


def _advisor_leaves_window(advisor, sme_user):
    yield
    advisor.windows.remove(ConsultationWindow.objects.get(code="hq"))


def _new_advisor(advisor, sme_user):
    yield
    make_advisor(name="専門家B", email="b@example.jp")


def _advisor_deleted(advisor, sme_user):
    yield
    Advisor.objects.filter(pk=advisor.pk).delete()


def _window_changed(advisor, sme_user):
    yield
    window = ConsultationWindow.objects.get(code="hq")
    window.name = "本部（オンライン・改称）"
    window.save()


CHANGES = [
    _book,
    _cancel,
    _desk_cancels,
    _reschedule,
    _booking_deleted,
    _rule_changed,
    _rule_added,
    _rule_deleted,
    _closure,
    _window_closure,
    _closure_lifted,
    _day_off,
    _availability,
    _advisor_inactive,
    _advisor_leaves_window,
    _new_advisor,
    _advisor_deleted,
    _window_changed,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_every_kind_of_change_retires_the_cached_slots(frozen, advisor, sme_user, change):
    steps = change(advisor, sme_user)
    next(steps)
    before = cached()
    assert before == fresh()
    selectors.window_get(code="hq")
    next(steps, None)
    after = cached()
    assert after == fresh()
    if change is not _window_changed:
        assert after != before
    else:
        assert selectors.window_get(code="hq").name == "本部（オンライン・改称）"


def test_a_freshly_booked_hour_disappears_at_once_from_the_api_and_the_calendar(frozen, client, advisor, sme_user):
    url = "/api/v1/consultations/slots?window=hq&date_from=2026-04-23&date_to=2026-04-23"
    assert client.get(url).json()[1] == {
        "start": "2026-04-23T10:00:00+09:00",
        "end": "2026-04-23T11:00:00+09:00",
        "free": True,
    }
    page = client.get("/consultations/w/hq/").content.decode()
    assert 'value="2026-04-23T10:00:00+09:00"' in page
    services.booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    assert client.get(url).json()[1]["free"] is False
    page = client.get("/consultations/w/hq/").content.decode()
    assert 'value="2026-04-23T10:00:00+09:00"' not in page


def test_the_calendar_drops_a_slot_the_moment_it_passes_the_notice_period(frozen, client, advisor):
    # Monday 9:30: Tuesday 10:00 is the first bookable hour; at 10:00:01 it is no longer (24 h notice).
    with time_machine.travel(at(2026, 4, 20, 9, 30), tick=False):
        assert 'value="2026-04-21T10:00:00+09:00"' in client.get("/consultations/w/hq/").content.decode()
    with time_machine.travel(at(2026, 4, 20, 10, 0) + dt.timedelta(seconds=1), tick=False):
        page = client.get("/consultations/w/hq/").content.decode()
    assert 'value="2026-04-21T10:00:00+09:00"' not in page
    assert 'value="2026-04-21T11:00:00+09:00"' in page


def test_slots_are_computed_from_the_database_when_redis_is_unreachable(frozen, advisor, sme_user, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    assert cached() == fresh()
    services.booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    assert cached() == fresh()


READER = r"""
import datetime as dt, json, sys
import django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from consultations import selectors
from consultations.models import ConsultationWindow
date_from, date_to = (dt.date.fromisoformat(d) for d in sys.argv[1:3])
for line in sys.stdin:
    with CaptureQueriesContext(connection) as queries:
        window = selectors.window_get(code="hq")
        slots = selectors.window_slots(window=window, date_from=date_from, date_to=date_to)
    print(json.dumps({"queries": len(queries.captured_queries),
                      "free": {s.start.isoformat(): s.free_advisor_ids for s in slots}}), flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_a_booking_made_in_one_process_disappears_at_once_from_another_process_cache():
    advisor = make_advisor()
    earliest, _latest = services.booking_bounds()
    date_from, date_to = earliest.date(), earliest.date() + dt.timedelta(days=14)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{settings.DATABASES['default']['USER']}@{settings.DATABASES['default']['HOST']}:"
        f"{settings.DATABASES['default']['PORT'] or 5432}/{settings.DATABASES['default']['NAME']}",
        "TEST_DB_NAME": settings.DATABASES["default"]["NAME"],  # the same Redis key prefix as this test
        "PYTHONPATH": str(Path(settings.BASE_DIR)),
    }
    # The child names its cache prefix from TEST_DB_NAME (the worker's own database) alone.
    env.pop("PYTEST_XDIST_WORKER", None)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, date_from.isoformat(), date_to.isoformat()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
    )

    def ask() -> dict:
        reader.stdin.write("?\n")
        reader.stdin.flush()
        return json.loads(reader.stdout.readline())

    try:
        first = ask()
        start = next(s for s, ids in first["free"].items() if ids == [advisor.pk])
        assert ask()["queries"] == 0  # served from that process's memo
        services.booking_create(user=SmeUserFactory(), start=dt.datetime.fromisoformat(start), **intake())
        after = ask()
        assert after["free"][start] == []
        assert after["queries"] > 0
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
