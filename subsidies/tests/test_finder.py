"""The finder's selectors: filters, order, deadlines, stale flag, search and a fixed number of queries."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from core.errors import ApplicationError
from subsidies.models import Measure
from subsidies.selectors import FinderFilters, finder_filters_parse, measure_card, measure_find, measure_get
from subsidies.tasks import subsidies_order_refresh

from .factories import MeasureFactory, RoundFactory, TrackCapFactory, TrackFactory

JST = ZoneInfo("Asia/Tokyo")


def _names(cards) -> list[str]:
    return [c.measure.name for c in cards]


@pytest.mark.django_db
def test_twelve_person_firm_sees_fifteen_million_for_the_standard_track():
    cards = measure_find(filters=FinderFilters(employees=12, step="supply_chain", include_past=True))
    card = next(c for c in cards if c.measure.name == "ものづくり補助金 グリーン枠")
    standard = next(t for t in card.tracks if t.track.name == "スタンダード")
    assert standard.max_amount_yen == 15_000_000


@pytest.mark.django_db
def test_subsidy_rate_is_applied_to_the_planned_investment_up_to_the_cap():
    measure = Measure.objects.get(name="ものづくり補助金 グリーン枠")
    card = measure_card(measure_get(pk=measure.pk), filters=FinderFilters(employees=12, investment_yen=9_000_000))
    amounts = {t.track.name: t.subsidy_yen for t in card.tracks}
    assert amounts["スタンダード"] == 6_000_000  # 9M × 2/3, below the 15M cap
    card = measure_card(measure_get(pk=measure.pk), filters=FinderFilters(employees=12, investment_yen=60_000_000))
    assert {t.track.name: t.subsidy_yen for t in card.tracks}["エントリー"] == 10_000_000  # capped


@pytest.mark.django_db
def test_filters_by_step_prefecture_industry_and_employees():
    Measure.objects.all().delete()
    MeasureFactory(name="全国向け")
    MeasureFactory(name="愛知限定", target_area_search=",aichi,")
    MeasureFactory(name="製造業限定", industry=",manufacturing,")
    MeasureFactory(name="小規模限定", target_number_of_employees="20名以下")
    MeasureFactory(name="知る段階", step="know")
    assert set(_names(measure_find(filters=FinderFilters(prefecture="tokyo", step="reduce")))) == {
        "全国向け",
        "製造業限定",
        "小規模限定",
    }
    assert "愛知限定" in _names(measure_find(filters=FinderFilters(prefecture="aichi")))
    assert "製造業限定" not in _names(measure_find(filters=FinderFilters(industry="retail")))
    assert "小規模限定" in _names(measure_find(filters=FinderFilters(employees=20)))
    assert "小規模限定" not in _names(measure_find(filters=FinderFilters(employees=21)))
    assert _names(measure_find(filters=FinderFilters(step="know"))) == ["知る段階"]


@pytest.mark.django_db
def test_capital_limit_excludes_larger_companies():
    Measure.objects.all().delete()
    MeasureFactory(name="資本金3億円以下", max_capital_yen=300_000_000)
    assert _names(measure_find(filters=FinderFilters(capital_yen=300_000_000))) == ["資本金3億円以下"]
    assert _names(measure_find(filters=FinderFilters(capital_yen=300_000_001))) == []


@pytest.mark.django_db
def test_open_windows_come_first_soonest_deadline_first_and_open_only_hides_the_rest():
    Measure.objects.all().delete()
    now = timezone.now()
    closed = MeasureFactory(name="あ終了")
    RoundFactory(
        measure=closed,
        acceptance_start_datetime=now - timedelta(days=40),
        acceptance_end_datetime=now - timedelta(days=1),
    )
    MeasureFactory(name="い随時")
    later = MeasureFactory(name="う受付中30日")
    RoundFactory(measure=later, acceptance_end_datetime=now + timedelta(days=30))
    sooner = MeasureFactory(name="え受付中3日")
    RoundFactory(measure=sooner, acceptance_end_datetime=now + timedelta(days=3))
    cards = measure_find(filters=FinderFilters())
    assert _names(cards) == ["え受付中3日", "う受付中30日", "い随時", "あ終了"]
    assert [c.status for c in cards] == ["open", "open", "none", "closed"]
    assert _names(measure_find(filters=FinderFilters(open_only=True))) == ["え受付中3日", "う受付中30日"]


@pytest.mark.django_db
def test_days_left_counts_calendar_days_in_japan_and_closed_after_the_deadline():
    measure = MeasureFactory()
    RoundFactory(
        measure=measure,
        acceptance_start_datetime=datetime(2026, 11, 1, 9, 0, tzinfo=JST),
        acceptance_end_datetime=datetime(2026, 11, 30, 17, 0, tzinfo=JST),
    )
    with time_machine.travel(datetime(2026, 11, 23, 23, 30, tzinfo=JST), tick=False):
        assert measure_card(measure_get(pk=measure.pk)).days_left == 7
    with time_machine.travel(datetime(2026, 11, 30, 16, 59, tzinfo=JST), tick=False):
        card = measure_card(measure_get(pk=measure.pk))
        assert (card.status, card.days_left) == ("open", 0)
    with time_machine.travel(datetime(2026, 11, 30, 17, 0, tzinfo=JST), tick=False):
        assert measure_card(measure_get(pk=measure.pk)).status == "closed"


@pytest.mark.django_db
def test_measure_unchecked_for_over_a_year_is_stale():
    with time_machine.travel(datetime(2026, 11, 23, 12, 0, tzinfo=JST), tick=False):
        assert measure_card(MeasureFactory(last_checked=date(2025, 11, 22))).stale
        assert not measure_card(MeasureFactory(last_checked=date(2025, 11, 23))).stale


@pytest.mark.django_db
def test_japanese_search_finds_partial_words_in_names_and_descriptions():
    assert "ものづくり補助金 グリーン枠" in _names(measure_find(filters=FinderFilters(q="づくり", include_past=True)))
    assert "J-クレジット制度" in _names(measure_find(filters=FinderFilters(q="クレジット")))
    found = _names(measure_find(filters=FinderFilters(q="空調")))  # only in a description
    assert found == ["省エネ補助金（省エネルギー投資促進支援事業費補助金）"]
    assert "ものづくり補助金 グリーン枠" in _names(
        measure_find(filters=FinderFilters(q="アドバンス", include_past=True))
    )  # a track


@pytest.mark.django_db
def test_finder_runs_the_same_number_of_queries_for_any_catalogue_size(django_assert_num_queries):
    def build(n):
        for _ in range(n):
            track = TrackFactory()
            TrackCapFactory(track=track)
            RoundFactory(measure=track.measure)

    build(2)
    # The beat task brings the migration's measures up to date for this test's clock (subsidies.ordering); then a
    # call is the four reads, whatever the size, and writes nothing.
    subsidies_order_refresh()
    with django_assert_num_queries(4) as small:
        measure_find(filters=FinderFilters(employees=12, investment_yen=1_000_000))
    build(30)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(measure_find(filters=FinderFilters(employees=12, investment_yen=1_000_000))) > 40


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"employees": "-1"}, "employees"),
        ({"employees": "many"}, "employees"),
        ({"prefecture": "atlantis"}, "prefecture"),
        ({"step": "dream"}, "step"),
        ({"industry": "piracy"}, "industry"),
        ({"investment": "-5"}, "investment"),
    ],
)
def test_bad_filters_raise_an_error_naming_the_field(data, field):
    with pytest.raises(ApplicationError) as exc:
        finder_filters_parse(data)
    assert exc.value.field == field
