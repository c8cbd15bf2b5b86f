"""The finder's total is counted once per catalogue version and filters, and the API's encoded page is kept per
catalogue version, filters, page and date, both in Redis (subsidies.selectors): every kind of change to what they
show retires them, and so does time passing a round's start or end (once the beat task has run), or midnight in
Japan."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.jst import JST
from subsidies.models import Measure, Track
from subsidies.selectors import FinderFilters, measure_page, measure_queryset
from subsidies.tasks import subsidies_order_refresh
from subsidies.tests.factories import MeasureFactory, RoundFactory, TrackCapFactory, TrackFactory

from ..api import _encoded

pytestmark = pytest.mark.django_db


def total(filters: FinderFilters) -> int:
    return measure_page(filters=filters).count


def counted(filters: FinderFilters) -> int:
    return measure_queryset(filters).count()


def test_the_total_is_counted_once_and_then_memoized():
    filters = FinderFilters(employees=12)
    first = total(filters)
    with CaptureQueriesContext(connection) as queries:
        second = total(filters)
    assert first == second == counted(filters)
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert total(FinderFilters(employees=12, step="know")) == counted(FinderFilters(employees=12, step="know"))


# Each change is a generator: what comes before `yield` is set-up, what follows is the change under test; it yields
# the filters whose total the change alters.


def _measure_added():
    yield FinderFilters(employees=12)
    MeasureFactory()


def _measure_deleted():
    measure = MeasureFactory()
    yield FinderFilters(employees=12)
    measure.delete()


def _measure_edited():
    measure = MeasureFactory(step="know")
    yield FinderFilters(step="know")
    measure.step = "reduce"
    measure.save()


def _measure_no_longer_for_small_firms():
    measure = MeasureFactory(target_number_of_employees="従業員数の制約なし")
    yield FinderFilters(employees=12)
    Measure.objects.filter(pk=measure.pk).update(target_number_of_employees="901名以上")
    Measure.objects.get(pk=measure.pk).save()  # an edit in the admin or a service saves the row


def _track_added():
    measure = MeasureFactory()
    yield FinderFilters(q="脱炭素特別枠")
    TrackFactory(measure=measure, name="脱炭素特別枠")


def _track_renamed():
    track = TrackFactory(name="脱炭素特別枠")
    yield FinderFilters(q="脱炭素特別枠")
    track.name = "通常枠"
    track.save()


def _track_deleted():
    track = TrackFactory(name="脱炭素特別枠")
    yield FinderFilters(q="脱炭素特別枠")
    Track.objects.get(pk=track.pk).delete()


def _round_opens():
    measure = MeasureFactory()
    yield FinderFilters(open_only=True)
    RoundFactory(measure=measure)


def _round_deleted():
    round_ = RoundFactory()
    yield FinderFilters(open_only=True)
    round_.delete()


def _round_moved():
    round_ = RoundFactory()
    yield FinderFilters(open_only=True)
    round_.acceptance_end_datetime = timezone.now() - timedelta(days=1)
    round_.acceptance_start_datetime = timezone.now() - timedelta(days=5)
    round_.save()


CHANGES = [
    _measure_added,
    _measure_deleted,
    _measure_edited,
    _measure_no_longer_for_small_firms,
    _track_added,
    _track_renamed,
    _track_deleted,
    _round_opens,
    _round_deleted,
    _round_moved,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_every_kind_of_change_retires_the_memoized_total(change):
    steps = change()
    filters = next(steps)
    before = total(filters)
    assert before == counted(filters)
    next(steps, None)
    after = total(filters)
    assert after == counted(filters)
    assert after != before


def test_a_cap_change_retires_the_memoized_total_too():
    from core import cache
    from subsidies.models import CATALOGUE_VERSION

    track = TrackFactory()
    before = cache.versions(CATALOGUE_VERSION)
    TrackCapFactory(track=track)
    assert cache.versions(CATALOGUE_VERSION) != before


def test_the_open_only_total_follows_time_passing_a_round_end_at_the_next_beat():
    ends = timezone.now() + timedelta(hours=2)
    RoundFactory(acceptance_start_datetime=ends - timedelta(days=3), acceptance_end_datetime=ends)
    filters = FinderFilters(open_only=True)
    before = total(filters)
    with time_machine.travel(ends + timedelta(seconds=1)):
        subsidies_order_refresh()  # the beat task, every minute
        after = total(filters)
        assert after == counted(filters) == before - 1


def test_the_total_is_counted_from_the_database_when_redis_is_unreachable(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    filters = FinderFilters(employees=12)
    before = total(filters)
    Measure.objects.bulk_create([MeasureFactory.build()])  # no signal, no bump: only an uncached count sees it
    assert total(filters) == before + 1


def api(client, filters: FinderFilters) -> list[dict]:
    query = {"step": filters.step, "q": filters.q, "open": "true" if filters.open_only else ""}
    if filters.employees is not None:
        query["employees"] = filters.employees
    return client.get("/api/v1/subsidies", {k: v for k, v in query.items() if v != ""}).json()


def fresh_api(filters: FinderFilters) -> list[dict]:
    import json

    return json.loads(_encoded(measure_page(filters=filters, page=1, per_page=20, clamp=False)))


def test_the_api_page_is_encoded_once_and_then_served_from_redis_without_a_query(client):
    RoundFactory(measure=TrackCapFactory().track.measure)
    first = client.get("/api/v1/subsidies", {"employees": 12})
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/api/v1/subsidies", {"employees": 12})
    assert first.content == second.content and second.json() == fresh_api(FinderFilters(employees=12))
    assert second["X-Total-Count"] == first["X-Total-Count"]
    assert len(queries.captured_queries) == 0, [q["sql"][:90] for q in queries.captured_queries]


def _cap_changed():
    track = TrackFactory()
    cap = TrackCapFactory(track=track, max_amount_yen=1_000_000)
    yield FinderFilters(employees=12)
    cap.max_amount_yen = 2_000_000
    cap.save()


@pytest.mark.parametrize(
    "change", [*CHANGES, _cap_changed], ids=[c.__name__.strip("_") for c in [*CHANGES, _cap_changed]]
)
def test_every_kind_of_change_retires_the_memoized_api_page(client, change):
    steps = change()
    filters = next(steps)
    before = api(client, filters)
    assert before == fresh_api(filters)
    next(steps, None)
    after = api(client, filters)
    assert after == fresh_api(filters)
    assert after != before


def test_the_api_page_follows_time_passing_a_round_start_and_end_at_the_next_beat(client):
    starts = timezone.now() + timedelta(hours=2)
    RoundFactory(acceptance_start_datetime=starts, acceptance_end_datetime=starts + timedelta(hours=3))
    filters = FinderFilters(open_only=True)
    before = api(client, filters)
    with time_machine.travel(starts + timedelta(seconds=1)):
        subsidies_order_refresh()
        opened = api(client, filters)
        assert opened == fresh_api(filters) and len(opened) == len(before) + 1
    with time_machine.travel(starts + timedelta(hours=3, seconds=1)):
        subsidies_order_refresh()
        closed = api(client, filters)
        assert closed == fresh_api(filters) and len(closed) == len(before)


def test_days_left_in_the_api_page_change_at_midnight_in_japan(client):
    now = timezone.now().astimezone(JST)
    ends = (now + timedelta(days=5)).replace(hour=23, minute=0)
    measure = RoundFactory(acceptance_start_datetime=now - timedelta(days=1), acceptance_end_datetime=ends).measure
    filters = FinderFilters(q=measure.name)
    with time_machine.travel(now.replace(hour=23, minute=59, second=58)):
        before = next(m for m in api(client, filters) if m["id"] == measure.pk)["days_left"]
    with time_machine.travel(now.replace(hour=23, minute=59, second=58) + timedelta(seconds=3)):
        after = next(m for m in api(client, filters) if m["id"] == measure.pk)["days_left"]
    assert after == before - 1


def test_no_read_of_the_finder_writes_even_after_a_round_boundary_passed(client):
    ends = timezone.now() + timedelta(hours=2)
    RoundFactory(acceptance_start_datetime=ends - timedelta(days=3), acceptance_end_datetime=ends)
    with time_machine.travel(ends + timedelta(seconds=1)), CaptureQueriesContext(connection) as queries:
        assert client.get("/subsidies/", {"open": "true"}).status_code == 200
        assert client.get("/api/v1/subsidies", {"open": "true"}).status_code == 200
        measure_page(filters=FinderFilters(open_only=True))
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []


def test_the_finder_and_its_api_answer_304_until_the_catalogue_changes(client):
    for path in ("/subsidies/?employees=12", "/api/v1/subsidies?employees=12"):
        first = client.get(path)
        assert first["Cache-Control"] == "max-age=60"
        assert client.get(path, headers={"if-none-match": first["ETag"]}).status_code == 304
    etags = [client.get(path)["ETag"] for path in ("/subsidies/?employees=12", "/api/v1/subsidies?employees=12")]
    MeasureFactory()
    for path, etag in zip(("/subsidies/?employees=12", "/api/v1/subsidies?employees=12"), etags, strict=True):
        assert client.get(path, headers={"if-none-match": etag}).status_code == 200
