"""Initial data and the cap table of ものづくり補助金 グリーン枠, band by band and at the edges."""

import pytest

from subsidies.models import ActionPlan, Measure
from subsidies.selectors import FinderFilters, measure_card, measure_get

MONODZUKURI = "ものづくり補助金 グリーン枠"
M = 1_000_000


def _amounts(employees: int) -> dict[str, int | None]:
    measure = measure_get(pk=Measure.objects.get(name=MONODZUKURI).pk)
    card = measure_card(measure, filters=FinderFilters(employees=employees))
    return {t.track.name: t.max_amount_yen for t in card.tracks}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("employees", "entry", "standard", "advance"),
    [
        (0, 7_500_000, 10 * M, 20 * M),
        (1, 7_500_000, 10 * M, 20 * M),
        (5, 7_500_000, 10 * M, 20 * M),
        (6, 10 * M, 15 * M, 30 * M),
        (12, 10 * M, 15 * M, 30 * M),
        (20, 10 * M, 15 * M, 30 * M),
        (21, 12_500_000, 20 * M, 40 * M),
        (300, 12_500_000, 20 * M, 40 * M),
    ],
)
def test_monodzukuri_green_caps_follow_the_table_band_by_band(employees, entry, standard, advance):
    assert _amounts(employees) == {"エントリー": entry, "スタンダード": standard, "アドバンス": advance}


@pytest.mark.django_db
def test_monodzukuri_green_rate_is_two_thirds_on_every_track():
    measure = Measure.objects.get(name=MONODZUKURI)
    assert {(t.rate_numerator, t.rate_denominator) for t in measure.tracks.all()} == {(2, 3)}


@pytest.mark.django_db
def test_jigyou_saikouchiku_green_growth_tracks_are_as_given():
    measure = measure_get(pk=Measure.objects.get(name="事業再構築補助金 グリーン成長枠").pk)
    card = measure_card(measure, filters=FinderFilters(employees=400))
    got = {
        t.track.name: (t.track.min_amount_yen, t.max_amount_yen, t.track.rate_numerator, t.track.rate_denominator)
        for t in card.tracks
    }
    assert got == {"中小企業": (1 * M, 100 * M, 1, 2), "中堅企業": (1 * M, 150 * M, 1, 3)}


@pytest.mark.django_db
def test_every_measure_named_in_the_domain_brief_is_loaded_with_its_source_document_and_unchecked():
    names = [
        "中小機構 カーボンニュートラル・オンライン相談窓口",
        "省エネお助け隊",
        "省エネ最適化診断",
        "IT導入補助金",
        "省エネ補助金（省エネルギー投資促進支援事業費補助金）",
        "省エネルギー設備投資に係る利子補給金",
        "CEV補助金（クリーンエネルギー自動車導入促進補助金）",
        "カーボンニュートラル投資促進税制",
        "低炭素リース信用保険",
        MONODZUKURI,
        "事業再構築補助金 グリーン成長枠",
        "自動車部品サプライヤー支援事業（ミカタプロジェクト）",
        "J-クレジット制度",
        "愛知県 中小企業脱炭素経営強化促進事業（令和8年度）",
    ]
    for name in names:
        measure = Measure.objects.get(name=name)
        assert measure.source_url.startswith("https://")
        assert measure.source_title and measure.source_date
        assert measure.last_checked is None and measure.last_checked_by is None
    steps = set(Measure.objects.values_list("step", flat=True))
    assert steps == {"know", "measure", "reduce", "supply_chain"}


@pytest.mark.django_db
def test_aichi_programme_is_limited_to_aichi_with_its_fy2026_window():
    measure = Measure.objects.get(name__startswith="愛知県 中小企業脱炭素")
    assert measure.prefectures == ["aichi"]
    rnd = measure.rounds.get()
    assert rnd.acceptance_start_datetime.isoformat().startswith("2026-06-14T15:00")
    assert rnd.acceptance_end_datetime.isoformat().startswith("2026-08-31T14:59")


@pytest.mark.django_db
def test_chambers_action_plans_are_loaded_from_the_reference_table():
    assert ActionPlan.objects.count() == 15
    nagoya = ActionPlan.objects.get(institution_name="名古屋商工会議所")
    assert nagoya.prefecture == "aichi"
    assert "seminar" in nagoya.activities
