"""Finder page, measure page, follows, staff flags, feed and API."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import CATALOGUE_EDITOR
from accounts.tests.factories import StaffUserFactory
from subsidies.models import Follow, Measure

from .factories import MeasureFactory, RoundFactory

MONODZUKURI = "ものづくり補助金 グリーン枠"
JST = ZoneInfo("Asia/Tokyo")


@pytest.mark.django_db
def test_visitor_answers_a_few_questions_and_sees_the_cap_for_their_size(client):
    response = client.get(reverse("subsidies:index"), {"employees": "12", "step": "supply_chain", "past": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert MONODZUKURI in body
    assert "1,500万円" in body
    assert "カーボンニュートラル投資促進税制" not in body  # another step


@pytest.mark.django_db
def test_logged_in_company_starts_from_its_profile(client, sme_user):
    sme_user.company.employees = 4
    sme_user.company.save()
    client.force_login(sme_user)
    body = client.get(reverse("subsidies:index"), {"past": "1"}).content.decode()
    assert "登録されている会社情報" in body
    assert "750万円" in body  # エントリー for ≤ 5 people


@pytest.mark.django_db
def test_selfcheck_links_with_step_filter_are_accepted(client):
    response = client.get("/subsidies/?step=reduce")
    body = response.content.decode()
    assert response.status_code == 200
    assert "カーボンニュートラル投資促進税制" in body
    assert MONODZUKURI not in body


@pytest.mark.django_db
def test_bad_filter_on_the_page_is_a_400_with_the_message_next_to_the_field(client):
    response = client.get("/subsidies/?employees=-3")
    assert response.status_code == 400
    assert "従業員数は0以上で入力してください。" in response.content.decode()


@pytest.mark.django_db
def test_open_window_shows_days_left_and_closed_one_says_closed(client):
    open_measure = MeasureFactory(name="受付中の支援策")
    RoundFactory(
        measure=open_measure,
        acceptance_start_datetime=datetime(2026, 11, 1, 9, 0, tzinfo=JST),
        acceptance_end_datetime=datetime(2026, 12, 2, 17, 0, tzinfo=JST),
    )
    with time_machine.travel(datetime(2026, 11, 23, 23, 30, tzinfo=JST), tick=False):
        body = client.get(reverse("subsidies:index")).content.decode()
    assert "あと 9 日で締切" in body
    aichi = Measure.objects.get(name__startswith="愛知県")
    detail = client.get(aichi.get_absolute_url()).content.decode()
    assert "受付終了" in detail


@pytest.mark.django_db
def test_measure_page_shows_caps_and_the_amount_for_the_entered_investment(client):
    measure = Measure.objects.get(name=MONODZUKURI)
    body = client.get(measure.get_absolute_url(), {"employees": "21", "investment": "3000000"}).content.decode()
    assert "従業員 21 人の場合の上限: <strong>2,000万円</strong>" in body
    assert "補助額の目安: <strong>200万円</strong>" in body


@pytest.mark.django_db
def test_stale_measure_is_flagged_to_catalogue_editors_only(client, staff_user):
    measure = MeasureFactory(last_checked=date(2020, 1, 1))
    assert "1年以上確認されていません" not in client.get(measure.get_absolute_url()).content.decode()
    client.force_login(staff_user)  # staff of no desk group: neither the flag nor the list
    assert "1年以上確認されていません" not in client.get(measure.get_absolute_url()).content.decode()
    assert client.get(reverse("subsidies:stale")).status_code == 403
    staff_user.groups.add(Group.objects.get(name=CATALOGUE_EDITOR))
    assert "1年以上確認されていません" in client.get(measure.get_absolute_url()).content.decode()
    assert measure.name in client.get(reverse("subsidies:stale")).content.decode()


@pytest.mark.django_db
def test_stale_list_sends_a_catalogue_editor_without_an_authenticator_to_enrol(client):
    editor = StaffUserFactory(second_factor=False)
    editor.groups.add(Group.objects.get(name=CATALOGUE_EDITOR))
    client.force_login(editor)
    response = client.get(reverse("subsidies:stale"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_logged_in_user_follows_a_measure_once(sme_client, sme_user):
    measure = Measure.objects.get(name=MONODZUKURI)
    url = reverse("subsidies:follow", args=[measure.pk])
    sme_client.post(url)
    sme_client.post(url)
    assert Follow.objects.filter(user=sme_user, measure=measure).count() == 1
    assert "フォロー中" in sme_client.get(measure.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_visitor_cannot_follow(client):
    measure = Measure.objects.get(name=MONODZUKURI)
    response = client.post(reverse("subsidies:follow", args=[measure.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


@pytest.mark.django_db
def test_user_follows_a_filter_and_unfollows(sme_client, sme_user):
    sme_client.post(reverse("subsidies:follow_filter"), {"query": "step=reduce&prefecture=aichi"})
    follow = Follow.objects.get(user=sme_user)
    assert follow.filter_query == "prefecture=aichi&step=reduce"
    sme_client.post(reverse("subsidies:unfollow", args=[follow.pk]))
    assert not Follow.objects.exists()


@pytest.mark.django_db
def test_atom_and_rss_feeds_list_new_and_changed_measures_but_not_past_schemes(client):
    measure = Measure.objects.filter(ended=False).first()
    measure.description = "改訂された説明"
    measure.save()
    past = Measure.objects.get(name=MONODZUKURI)
    assert past.ended
    past.description = "過去の制度の改訂された説明"
    past.save()  # the most recently changed, yet past: the finder leaves it out unless asked, and so do the feeds
    atom = client.get(reverse("subsidies:feed_atom"))
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert "改訂された説明" in atom.content.decode()
    rss = client.get(reverse("subsidies:feed_rss")).content.decode()
    assert measure.name in rss
    for body in (atom.content.decode(), rss):
        assert MONODZUKURI not in body and "過去の制度の改訂された説明" not in body


@pytest.mark.django_db
def test_api_lists_measures_with_max_amount_per_track(client):
    response = client.get("/api/v1/subsidies", {"employees": 12, "q": "グリーン枠", "past": "true"})
    assert response.status_code == 200
    (item,) = response.json()
    assert item["name"] == MONODZUKURI
    assert {t["name"]: t["max_amount_yen"] for t in item["tracks"]} == {
        "エントリー": 10_000_000,
        "スタンダード": 15_000_000,
        "アドバンス": 30_000_000,
    }


@pytest.mark.django_db
def test_api_without_employees_gives_no_amount_and_filters_open_prefecture_industry_step(client):
    open_measure = MeasureFactory(name="愛知の受付中", target_area_search=",aichi,", industry=",manufacturing,")
    RoundFactory(measure=open_measure)
    response = client.get(
        "/api/v1/subsidies", {"open": "true", "prefecture": "aichi", "industry": "manufacturing", "step": "reduce"}
    )
    assert [m["name"] for m in response.json()] == ["愛知の受付中"]
    assert response.json()[0]["status"] == "open"
    item = client.get("/api/v1/subsidies", {"q": "グリーン枠", "past": "true"}).json()[0]
    assert {t["max_amount_yen"] for t in item["tracks"]} == {None}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [({"employees": -1}, "employees"), ({"prefecture": "atlantis"}, "prefecture"), ({"step": "fly"}, "step")],
)
def test_api_bad_input_is_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/subsidies", params)
    assert response.status_code == 400
    assert response.json()["field"] == field


@pytest.mark.django_db
def test_api_is_in_the_openapi_document(client):
    assert "/api/v1/subsidies" in client.get("/api/v1/openapi.json").json()["paths"]


@pytest.mark.django_db
def test_finder_page_query_count_does_not_grow_with_the_catalogue(client, django_assert_num_queries):
    from .factories import TrackCapFactory, TrackFactory

    client.get("/subsidies/?employees=12&past=1")  # warm sessions, content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get("/subsidies/?employees=12&investment=1000000&past=1")
    for _ in range(25):
        track = TrackFactory()
        TrackCapFactory(track=track)
        RoundFactory(measure=track.measure)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/subsidies/?employees=12&investment=1000000&past=1")


@pytest.mark.django_db
def test_company_without_exact_head_count_is_placed_by_its_band(client, sme_user):
    sme_user.company.employees = None
    sme_user.company.employee_band = "le_20"
    sme_user.company.save()
    client.force_login(sme_user)
    body = client.get("/subsidies/?step=supply_chain&past=1").content.decode()
    assert "1,500万円" in body  # スタンダード, 6–20 people


@pytest.mark.django_db
def test_the_api_sends_exactly_what_validating_against_the_declared_schema_gives(client):
    import json

    from ninja.responses import NinjaJSONEncoder
    from pydantic import TypeAdapter

    from subsidies.api import MeasureOut

    from .factories import TrackCapFactory, TrackFactory

    for _ in range(3):
        track = TrackFactory()
        TrackCapFactory(track=track, max_employees=20)
        TrackCapFactory(track=track, min_employees=21, max_amount_yen=5_000_000)
        RoundFactory(measure=track.measure)
    response = client.get("/api/v1/subsidies", {"employees": 12, "investment": 3_000_000})
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert any(item["tracks"] and item["rounds"] for item in body)
    adapter = TypeAdapter(list[MeasureOut])
    # What django-ninja sends after validating a response: the validated model, dumped, through its encoder.
    assert json.loads(json.dumps(adapter.dump_python(adapter.validate_python(body)), cls=NinjaJSONEncoder)) == body
