"""The finder orders, filters and pages in the database (subsidies.ordering): the same order as the cards' own
statuses at every moment once the beat task has run (reading writes nothing), pages of 20 with a total, a constant number of queries, trigram indexes for search."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from subsidies import ordering
from subsidies.models import ApplicationRound, Measure
from subsidies.selectors import FinderFilters, measure_card, measure_find, measure_page
from subsidies.tasks import subsidies_order_refresh
from subsidies.tests.factories import MeasureFactory, RoundFactory, TrackCapFactory, TrackFactory

pytestmark = pytest.mark.django_db


def names(cards) -> list[str]:
    return [c.measure.name for c in cards]


def python_order(now) -> list[str]:
    """The order of issue 14's cards, computed in Python from every measure's rounds (the reference)."""
    rank = {"open": 0, "upcoming": 1, "none": 2, "closed": 3}
    cards = [measure_card(m, now=now) for m in Measure.objects.prefetch_related("rounds", "tracks")]
    far = now + timedelta(days=100_000)

    def key(card):
        deadline = card.current_round.acceptance_end_datetime if card.current_round else far
        return (rank[card.status], deadline, card.measure.step, card.measure.name, card.measure.pk)

    return [c.measure.name for c in sorted(cards, key=key)]


def test_the_database_order_is_the_cards_order_at_every_moment_once_the_beat_task_has_run():
    Measure.objects.all().delete()
    now = timezone.now()
    for i in range(12):
        m = MeasureFactory(name=f"策{i:02d}", step=["know", "reduce"][i % 2])
        start = now + timedelta(days=(i % 5) * 7 - 14)
        RoundFactory(measure=m, acceptance_start_datetime=start, acceptance_end_datetime=start + timedelta(days=10 + i))
        if i % 3 == 0:
            RoundFactory(
                measure=m,
                name="第2回",
                acceptance_start_datetime=start + timedelta(days=40),
                acceptance_end_datetime=start + timedelta(days=60),
            )
    MeasureFactory(name="策なし")
    for days in (0, 3, 8, 15, 22, 29, 45, 70, 120):
        moment = now + timedelta(days=days, minutes=1)
        with time_machine.travel(moment, tick=False):
            subsidies_order_refresh()  # the beat task, every minute
            assert names(measure_find(filters=FinderFilters())) == python_order(moment), days


def test_a_round_that_opens_or_closes_moves_its_measure_at_the_next_beat():
    now = timezone.now()
    m = MeasureFactory(name="来週から受付")
    RoundFactory(
        measure=m, acceptance_start_datetime=now + timedelta(days=7), acceptance_end_datetime=now + timedelta(days=9)
    )
    assert m.name not in names(measure_find(filters=FinderFilters(open_only=True)))
    with time_machine.travel(now + timedelta(days=7, seconds=1), tick=False):
        assert m.name not in names(measure_find(filters=FinderFilters(open_only=True)))  # reading writes nothing
        subsidies_order_refresh()
        assert names(measure_find(filters=FinderFilters(open_only=True)))[0] == m.name
    with time_machine.travel(now + timedelta(days=9, seconds=1), tick=False):
        subsidies_order_refresh()
        assert m.name not in names(measure_find(filters=FinderFilters(open_only=True)))


def test_editing_or_deleting_a_round_reorders_at_once():
    Measure.objects.all().delete()
    now = timezone.now()
    a, b = MeasureFactory(name="A"), MeasureFactory(name="B")
    RoundFactory(measure=a, acceptance_end_datetime=now + timedelta(days=5))
    round_b = RoundFactory(measure=b, acceptance_end_datetime=now + timedelta(days=9))
    assert names(measure_find(filters=FinderFilters())) == ["A", "B"]
    round_b.acceptance_end_datetime = now + timedelta(days=2)
    round_b.save()
    assert names(measure_find(filters=FinderFilters())) == ["B", "A"]
    round_b.delete()
    assert names(measure_find(filters=FinderFilters())) == ["A", "B"]
    assert measure_find(filters=FinderFilters())[1].status == "none"


def test_rounds_written_without_signals_are_placed_after_an_explicit_refresh():
    m = MeasureFactory(name="一括登録")
    now = timezone.now()
    ApplicationRound.objects.bulk_create(
        [RoundFactory.build(measure=m, acceptance_end_datetime=now + timedelta(days=1))]
    )
    ordering.refresh(measure_ids=[m.pk])
    assert names(measure_find(filters=FinderFilters()))[0] == m.name


def build(n: int) -> None:
    for _ in range(n):
        track = TrackFactory()
        TrackCapFactory(track=track)
        RoundFactory(measure=track.measure)


def test_pages_of_twenty_with_the_total_and_the_same_queries_whatever_the_size():
    build(3)
    subsidies_order_refresh()  # brings the migration's measures up to this test's clock
    with CaptureQueriesContext(connection) as small:
        first = measure_page(filters=FinderFilters(employees=12, investment_yen=1_000_000))
    build(60)
    with CaptureQueriesContext(connection) as large:
        page = measure_page(filters=FinderFilters(employees=12, investment_yen=1_000_000), page=2)
    assert len(large.captured_queries) == len(small.captured_queries) == 5
    assert page.count == first.count + 60
    assert len(page.cards) == 20 and page.number == 2 and page.has_next and page.has_previous
    everything = names(measure_find(filters=FinderFilters(employees=12, investment_yen=1_000_000)))
    assert names(page.cards) == everything[20:40]
    last = measure_page(filters=FinderFilters(employees=12), page=99)
    assert last.number == last.num_pages and names(last.cards) == everything[(last.num_pages - 1) * 20 :]
    assert measure_page(filters=FinderFilters(employees=12), page=99, clamp=False).cards == []


def test_the_finder_page_and_the_api_are_paginated(client):
    build(30)
    body = client.get("/subsidies/", {"employees": 12}).content.decode()
    total = Measure.objects.filter(ended=False).count()  # past schemes only when asked for
    assert f"{total} 件の支援策が見つかりました" in body and "1〜20 件目" in body
    assert 'rel="next"' in body and "page=2" in body
    response = client.get("/api/v1/subsidies", {"employees": 12, "per_page": 10, "page": 2})
    assert len(response.json()) == 10
    assert response["X-Total-Count"] == str(total)
    assert 'rel="next"' in response["Link"] and "page=3" in response["Link"]
    assert client.get("/api/v1/subsidies", {"page": 999}).json() == []
    bad = client.get("/api/v1/subsidies", {"per_page": 1000})
    assert bad.status_code == 400 and bad.json()["field"] == "per_page"


def test_search_finds_japanese_substrings_in_every_searched_column_and_in_track_names():
    m = MeasureFactory(name="ものづくり補助金テスト", description="工場の空調更新", administering_body="中部経済産業局")
    TrackFactory(measure=m, name="グリーン成長枠テスト")
    for word in ("づくり", "空調", "経済産業", "成長枠テ"):
        assert m.name in names(measure_find(filters=FinderFilters(q=word))), word
    assert m.name in names(measure_find(filters=FinderFilters(q="づくり 空調")))
    assert m.name not in names(measure_find(filters=FinderFilters(q="づくり 洋上風力")))


def test_the_migration_names_the_finder_indexes_and_the_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('subsidies_measure', 'subsidies_track')"
        )
        indexes = dict(cursor.fetchall())
    assert "subsidies_measure_finder_order" in indexes
    for name in ("subsidies_measure_name_trgm", "subsidies_measure_description_trgm", "subsidies_track_name_trgm"):
        assert "gin_trgm_ops" in indexes[name]
