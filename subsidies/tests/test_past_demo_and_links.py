"""An honest catalogue (issue 25): past schemes are marked 「過去の制度」 and left out unless asked for; fictional demo
rounds are marked on every card; 「公式情報」 only for a measure's own page, any other link a 参考資料 with its year."""

import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from subsidies import demo
from subsidies.models import ApplicationRound, Measure
from subsidies.selectors import FinderFilters, measure_find

from .factories import MeasureFactory, RoundFactory

pytestmark = pytest.mark.django_db

MONODZUKURI = "ものづくり補助金 グリーン枠"
SAIKOUCHIKU = "事業再構築補助金 グリーン成長枠"


def names(cards) -> list[str]:
    return [c.measure.name for c in cards]


def test_the_fy2022_green_tracks_are_past_schemes_left_out_of_current_results(client):
    assert set(Measure.objects.filter(ended=True).values_list("name", flat=True)) == {MONODZUKURI, SAIKOUCHIKU}
    assert MONODZUKURI not in names(measure_find(filters=FinderFilters()))
    assert MONODZUKURI in names(measure_find(filters=FinderFilters(include_past=True)))
    body = client.get(reverse("subsidies:index")).content.decode()
    assert MONODZUKURI not in body and SAIKOUCHIKU not in body
    assert "過去の制度も表示する" in body
    past = client.get(reverse("subsidies:index"), {"past": "1"}).content.decode()
    assert MONODZUKURI in past and SAIKOUCHIKU in past
    assert past.count("過去の制度</span>") == 2  # each past card carries the label
    detail = client.get(Measure.objects.get(name=MONODZUKURI).get_absolute_url()).content.decode()
    assert "<strong>過去の制度</strong>：受付を終えた制度です。今は募集していません。" in detail
    assert "2022年度の支援策として紹介された枠" in detail


def test_the_api_leaves_past_schemes_out_unless_asked_and_marks_them(client):
    current = client.get("/api/v1/subsidies", {"per_page": 100}).json()
    assert MONODZUKURI not in [m["name"] for m in current]
    assert all(m["ended"] is False for m in current)
    past = client.get("/api/v1/subsidies", {"per_page": 100, "past": "true"}).json()
    item = next(m for m in past if m["name"] == MONODZUKURI)
    assert item["ended"] is True and "今は募集していません" in item["ended_note"]


def test_past_schemes_come_after_current_ones_when_asked_for():
    found = names(measure_find(filters=FinderFilters(include_past=True)))
    assert found[-2:] == sorted([MONODZUKURI, SAIKOUCHIKU], key=found.index)
    assert set(found[-2:]) == {MONODZUKURI, SAIKOUCHIKU}


def test_demo_rounds_are_marked_fictional_on_every_card_the_page_and_the_api(client):
    demo.load_demo(stdout=io.StringIO())
    demo_rounds = ApplicationRound.objects.filter(is_demo=True).select_related("measure")
    assert demo_rounds.count() == 2
    assert not demo_rounds.filter(measure__ended=True).exists()  # no live-looking deadline on a past scheme
    cards = measure_find(filters=FinderFilters(include_past=True))
    with_demo = [c for c in cards if any(r.is_demo for r in c.rounds)]
    assert len(with_demo) == 2 and all(c.demo_shown for c in with_demo)
    body = client.get(reverse("subsidies:index"), {"past": "1"}).content.decode()
    assert body.count("デモ用の架空の公募回</span>") == 2
    assert body.count("表示している公募回は、デモ用に作った架空のものです") == 2
    measure = demo_rounds.first().measure
    detail = client.get(measure.get_absolute_url()).content.decode()
    assert "デモ用・架空" in detail and "実際の募集ではありません" in detail
    api = client.get("/api/v1/subsidies", {"open": "true"}).json()
    assert {m["name"] for m in api} >= {r.measure.name for r in demo_rounds}
    assert all(r["is_demo"] for m in api if m["name"] in {r.measure.name for r in demo_rounds} for r in m["rounds"])


def test_a_real_round_is_not_marked_as_demo(client):
    measure = MeasureFactory(name="本物の公募がある補助金")
    RoundFactory(measure=measure)
    card = next(c for c in measure_find(filters=FinderFilters()) if c.measure == measure)
    assert card.is_open and not card.demo_shown
    assert "デモ用" not in client.get(measure.get_absolute_url()).content.decode()


def test_official_information_only_for_a_measures_own_page_otherwise_a_named_reference(client):
    official = {m.name for m in Measure.objects.filter(source_url_kind="official")}
    assert official == {
        "中小機構 カーボンニュートラル・オンライン相談窓口",
        "自動車部品サプライヤー支援事業（ミカタプロジェクト）",
    }
    energy = Measure.objects.get(name="省エネ補助金（省エネルギー投資促進支援事業費補助金）")
    detail = client.get(energy.get_absolute_url()).content.decode()
    assert "<dt>参考資料</dt>" in detail and "<dt>公式情報</dt>" not in detail
    assert "経済産業省 中小企業のカーボンニュートラル支援策のパンフレット（2022年度）" in detail
    assert energy.link_label == "参考資料（経済産業省 中小企業のカーボンニュートラル支援策のパンフレット（2022年度））"
    window = Measure.objects.get(name="中小機構 カーボンニュートラル・オンライン相談窓口")
    assert "<dt>公式情報</dt>" in client.get(window.get_absolute_url()).content.decode()
    pamphlet_links = Measure.objects.filter(source_url__contains="pamphlet2022fy01")
    assert pamphlet_links.count() >= 10 and not pamphlet_links.filter(source_url_kind="official").exists()
    api = {m["name"]: m for m in client.get("/api/v1/subsidies", {"per_page": 100, "past": "true"}).json()}
    assert (
        api[energy.name]["source_url_label"].startswith("参考資料（")
        and api[window.name]["source_url_label"] == "公式情報"
    )


def test_the_database_refuses_a_reference_link_without_its_name_and_year():
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureFactory(source_url_kind="reference", source_url_title="")
    MeasureFactory(source_url_kind="official", source_url_title="")
