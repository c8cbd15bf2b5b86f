"""Catalogue honesty (issue 14, finding 7): sources with their dates, checks only by staff, readable amounts,
estimates within each track's rules, deadlines at 23:59 JST and no invented 随時."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import CATALOGUE_EDITOR
from core.errors import ApplicationError
from subsidies import services
from subsidies.models import ApplicationRound, Measure, MeasureCheck
from subsidies.selectors import FinderFilters, measure_card, measure_get

from .factories import MeasureFactory

JST = ZoneInfo("Asia/Tokyo")
MONODZUKURI = "ものづくり補助金 グリーン枠"
SAIKOUCHIKU = "事業再構築補助金 グリーン成長枠"


@pytest.fixture
def editor(staff_user):
    staff_user.groups.add(Group.objects.get(name=CATALOGUE_EDITOR))
    return staff_user


@pytest.mark.django_db
def test_loaded_entries_carry_no_check_date_until_a_staff_member_checks_them(client):
    assert not Measure.objects.filter(last_checked__isnull=False).exists()
    body = client.get(Measure.objects.get(name=MONODZUKURI).get_absolute_url()).content.decode()
    assert "2026年11月23日" not in body
    assert "職員による最終確認</dt><dd>未確認" in body


@pytest.mark.django_db
def test_each_entry_shows_its_source_document_and_that_documents_date(client):
    measure = Measure.objects.get(name=MONODZUKURI)
    body = client.get(measure.get_absolute_url()).content.decode()
    assert "中小機構「中小機構のカーボンニュートラルに係る取組みについて」" in body
    assert "資料に日付の記載なし（2023年2月までの実績を掲載）" in body
    aichi = client.get(Measure.objects.get(name__startswith="愛知県").get_absolute_url()).content.decode()
    assert "愛知県「令和8年度中小企業脱炭素経営強化促進事業 募集要項」" in aichi and "令和8年度" in aichi
    finder = client.get(reverse("subsidies:index"), {"past": "1"}).content.decode()
    assert finder.count("出典: ") == Measure.objects.count()


@pytest.mark.django_db
def test_admin_action_records_who_checked_and_when_in_japan(client, editor):
    measure = Measure.objects.get(name=MONODZUKURI)
    client.force_login(editor)
    # 00:30 in Japan is still the previous day in UTC: the check is dated by the Japanese calendar.
    with time_machine.travel(datetime(2026, 11, 24, 0, 30, tzinfo=JST), tick=False):
        response = client.post(
            reverse("admin:subsidies_measure_changelist"),
            {"action": "mark_checked", "_selected_action": [measure.pk]},
            follow=True,
        )
    assert response.status_code == 200
    measure.refresh_from_db()
    assert measure.last_checked == date(2026, 11, 24)
    assert measure.last_checked_by == editor
    check = MeasureCheck.objects.get(measure=measure)
    assert check.checked_by == editor and check.checked_at == datetime(2026, 11, 24, 0, 30, tzinfo=JST)
    assert "職員による最終確認</dt><dd>2026年11月24日" in client.get(measure.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_last_checked_cannot_be_typed_into_the_admin_form_nor_set_by_a_non_staff_user(client, editor, sme_user):
    measure = Measure.objects.get(name=MONODZUKURI)
    client.force_login(editor)
    form = client.get(reverse("admin:subsidies_measure_change", args=[measure.pk])).content.decode()
    assert 'name="last_checked"' not in form
    with pytest.raises(ApplicationError):
        services.measure_mark_checked(measure=measure, user=sme_user)
    assert not MeasureCheck.objects.exists()


@pytest.mark.django_db
def test_a_jgrants_import_is_not_a_check():
    services.jgrants_import(items=[{"id": "a0WJ000000test", "title": "取込テスト補助金"}])
    measure = Measure.objects.get(jgrants_id="a0WJ000000test")
    assert measure.last_checked is None
    assert measure.source_title == "Jグランツ掲載情報（ID: a0WJ000000test）" and measure.source_date.endswith("取得")


@pytest.mark.django_db
def test_entry_unchecked_for_a_year_is_flagged_to_staff_and_marked_to_users(client, editor):
    measure = MeasureFactory(name="古い確認の支援策", last_checked=date(2025, 11, 22))
    fresh = MeasureFactory(name="最近確認した支援策", last_checked=date(2025, 11, 23))
    with time_machine.travel(datetime(2026, 11, 23, 12, 0, tzinfo=JST), tick=False):
        assert measure_card(measure_get(pk=measure.pk)).check_state == "stale"
        assert measure_card(measure_get(pk=fresh.pk)).check_state == "current"
        finder = client.get(reverse("subsidies:index"), {"q": "支援策"}).content.decode()
        card = finder[finder.index("古い確認の支援策") - 600 : finder.index("古い確認の支援策")]
        assert "1年以上未確認" in card
        detail = client.get(measure.get_absolute_url()).content.decode()
        assert "1年以上、職員が公式情報と照合していません" in detail
        client.force_login(editor)
        dashboard = client.get(reverse("accounts:dashboard")).content.decode()
        to_check = Measure.objects.filter(last_checked__isnull=True).count() + 1
        assert f"確認が必要な支援策が {to_check} 件あります" in dashboard
        stale_page = client.get(reverse("subsidies:stale")).content.decode()
    assert "古い確認の支援策" in stale_page and "最近確認した支援策" not in stale_page


@pytest.mark.django_db
def test_amounts_over_one_oku_read_as_people_write_them(client):
    body = client.get(Measure.objects.get(name=SAIKOUCHIKU).get_absolute_url()).content.decode()
    assert "1億5,000万円" in body and "1億円" in body
    assert "10,000万円" not in body and "15,000万円" not in body


@pytest.mark.django_db
def test_estimates_read_in_man_yen_like_the_caps(client):
    measure = Measure.objects.get(name=MONODZUKURI)
    body = client.get(measure.get_absolute_url(), {"employees": "21", "investment": "20000000"}).content.decode()
    assert "補助額の目安: <strong>約1,333万円</strong>" in body
    assert "13,333,333円" not in body


@pytest.mark.django_db
def test_finder_offers_no_estimate_below_a_tracks_minimum(client):
    body = client.get(
        reverse("subsidies:index"), {"employees": "12", "investment": "1000000", "q": "グリーン成長枠", "past": "1"}
    ).content.decode()
    assert "補助額の目安 <strong>50万円</strong>" not in body
    assert "補助額が下限の100万円に届きません（投資額200万円以上から対象）" in body


@pytest.mark.django_db
def test_a_twelve_person_company_is_not_shown_the_midsize_track(client):
    measure = measure_get(pk=Measure.objects.get(name=SAIKOUCHIKU).pk)
    card = measure_card(measure, filters=FinderFilters(employees=12, investment_yen=30_000_000))
    assert [t.track.name for t in card.eligible_tracks] == ["中小企業"]
    assert card.ineligible_track_names == ["中堅企業"]
    body = client.get(
        reverse("subsidies:index"), {"employees": "12", "q": "グリーン成長枠", "past": "1"}
    ).content.decode()
    assert "従業員数から対象外の枠: 中堅企業" in body
    assert "<li>中堅企業" not in body
    larger = measure_card(measure, filters=FinderFilters(employees=400))
    assert [t.track.name for t in larger.eligible_tracks] == ["中小企業", "中堅企業"]


@pytest.mark.django_db
def test_a_round_entered_by_day_closes_at_2359_japan_time(client, editor):
    measure = MeasureFactory(name="締切テスト")
    client.force_login(editor)
    response = client.post(
        reverse("admin:subsidies_applicationround_add"),
        {
            "measure": measure.pk,
            "name": "第1回",
            "acceptance_start_date": "2026-12-01",
            "acceptance_end_date": "2026-12-25",
            "acceptance_end_time": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rnd = ApplicationRound.objects.get(measure=measure)
    assert rnd.acceptance_start_datetime == datetime(2026, 12, 1, 0, 0, tzinfo=JST)
    assert rnd.acceptance_end_datetime == datetime(2026, 12, 25, 23, 59, 59, tzinfo=JST)
    body = client.get(measure.get_absolute_url()).content.decode()
    assert "2026年12月25日 23:59" in body
    assert "01:00" not in body


def test_demo_rounds_close_at_2359_japan_time():
    start, end = services.round_window(start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert end == datetime(2026, 11, 30, 23, 59, 59, tzinfo=JST)
    assert start == datetime(2026, 11, 1, 0, 0, tzinfo=JST)
    with pytest.raises(ApplicationError):
        services.round_window(start=date(2026, 11, 30), end=date(2026, 11, 1))


@pytest.mark.django_db
def test_no_round_known_says_so_instead_of_zuiji(client):
    measure = MeasureFactory(name="公募回のない支援策")
    finder = client.get(reverse("subsidies:index"), {"q": "公募回のない"}).content.decode()
    assert "公募回の情報なし" in finder and "随時" not in finder
    detail = client.get(measure.get_absolute_url()).content.decode()
    assert "公募回の情報はありません" in detail
    assert "随時・" not in detail
