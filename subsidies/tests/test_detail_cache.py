"""A measure's page is conditional for anonymous visitors (core.cache.conditional on the catalogue version): an ETag
and a max-age, a 304 while nothing changed, a new page after every kind of change (the admin, the services, a
delete) and at every moment its state changes with time alone (a round opening or closing, midnight in Japan for the
days left). Signed-in visitors get `private, no-store` and no ETag."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from core.cachecontrol import PRIVATE_NO_STORE
from core.jst import JST
from subsidies.models import ApplicationRound, Measure, Track
from subsidies.tests.factories import MeasureFactory, RoundFactory, TrackCapFactory, TrackFactory
from tests.conditional import admin_save as save_change_form
from tests.conditional import check_change_retires, revalidate

pytestmark = pytest.mark.django_db

# Tuesday 2026-11-24 10:00 JST.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def measure(frozen):
    return MeasureFactory(name="省エネ設備更新補助金", description="古い空調を省エネ型に替える費用の一部を補助します。")


@pytest.fixture
def desk(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def path(measure: Measure) -> str:
    return f"/subsidies/{measure.pk}/"


def admin_save(desk: Client, measure: Measure, changes: dict[str, str]) -> None:
    save_change_form(desk, f"/admin/subsidies/measure/{measure.pk}/change/", "measure_form", changes)


def test_an_anonymous_measure_page_has_an_etag_and_max_age_and_answers_304_unchanged(client, measure):
    first = client.get(path(measure))
    assert first.status_code == 200 and "省エネ設備更新補助金" in first.content.decode()
    assert first["Cache-Control"] == "max-age=60" and "Cookie" in first["Vary"]
    again = revalidate(client, path(measure), first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    query = path(measure) + "?employees=12"  # the amounts for a company size are a page of their own
    assert revalidate(client, query, first["ETag"]).status_code == 200


# Each change is a generator: set-up before the first `yield`, the change after it; the second `yield` gives what
# the page shows after the change (and did not before), or None when the page is gone (404).


def _edited_in_the_admin(measure, desk):
    yield
    admin_save(desk, measure, {"description": "空調と照明の更新費用の一部を補助します。"})
    yield "空調と照明の更新費用の一部を補助します。"


def _marked_past_in_the_admin(measure, desk):
    yield
    admin_save(desk, measure, {"ended": "on", "ended_note": "令和8年度で終了（公式サイトで確認）"})
    yield "令和8年度で終了（公式サイトで確認）"


def _checked_by_staff_in_the_admin(measure, desk):
    yield
    response = desk.post("/admin/subsidies/measure/", {"action": "mark_checked", "_selected_action": [measure.pk]})
    assert response.status_code == 302
    yield "2026年11月24日"


def _round_added(measure, desk):
    yield
    RoundFactory(measure=measure, name="第3回公募")
    yield "第3回公募"


def _round_deleted(measure, desk):
    round_ = RoundFactory(measure=measure, name="第3回公募")
    yield
    ApplicationRound.objects.get(pk=round_.pk).delete()
    yield "公募回の情報はありません"


def _track_added(measure, desk):
    yield
    TrackFactory(measure=measure, name="脱炭素特別枠")
    yield "脱炭素特別枠"


def _cap_changed(measure, desk):
    cap = TrackCapFactory(track=TrackFactory(measure=measure), max_amount_yen=1_000_000)
    yield
    cap.max_amount_yen = 30_000_000
    cap.save()
    yield "3,000万円"


def _deleted_in_the_admin(measure, desk):
    yield
    response = desk.post(f"/admin/subsidies/measure/{measure.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    yield None


CHANGES = [
    _edited_in_the_admin,
    _marked_past_in_the_admin,
    _checked_by_staff_in_the_admin,
    _round_added,
    _round_deleted,
    _track_added,
    _cap_changed,
    _deleted_in_the_admin,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_every_kind_of_change_gives_the_page_a_new_etag_and_the_new_content(client, measure, desk, change):
    check_change_retires(client, path(measure), change(measure, desk))


def test_a_deleted_track_leaves_the_page_at_once(client, measure):
    track = TrackFactory(measure=measure, name="脱炭素特別枠")
    first = client.get(path(measure))
    assert "脱炭素特別枠" in first.content.decode()
    Track.objects.get(pk=track.pk).delete()
    after = revalidate(client, path(measure), first["ETag"])
    assert after.status_code == 200 and "脱炭素特別枠" not in after.content.decode()


def test_the_page_is_not_reused_past_a_round_opening(client, measure, frozen):
    opens = NOW + dt.timedelta(hours=2)
    RoundFactory(measure=measure, acceptance_start_datetime=opens, acceptance_end_datetime=opens + dt.timedelta(days=5))
    frozen.move_to(opens - dt.timedelta(seconds=30))
    before = client.get(path(measure))
    assert "2026年11月24日受付開始" in before.content.decode() and before["Cache-Control"] == "max-age=30"
    assert revalidate(client, path(measure), before["ETag"]).status_code == 304
    frozen.move_to(opens + dt.timedelta(seconds=1))
    after = revalidate(client, path(measure), before["ETag"])
    body = after.content.decode()
    assert after.status_code == 200 and "あと 5 日で締切" in body and "受付開始</span>" not in body


def test_the_page_is_not_reused_past_a_round_closing(client, measure, frozen):
    closes = NOW + dt.timedelta(hours=2)
    RoundFactory(measure=measure, acceptance_start_datetime=NOW - dt.timedelta(days=3), acceptance_end_datetime=closes)
    frozen.move_to(closes - dt.timedelta(seconds=30))
    before = client.get(path(measure))
    assert "本日締切" in before.content.decode() and before["Cache-Control"] == "max-age=30"
    frozen.move_to(closes + dt.timedelta(seconds=1))
    after = revalidate(client, path(measure), before["ETag"])
    body = after.content.decode()
    assert after.status_code == 200 and "受付終了" in body and "本日締切" not in body


def test_the_days_left_on_the_page_change_at_midnight_in_japan(client, measure, frozen):
    RoundFactory(
        measure=measure,
        acceptance_start_datetime=NOW - dt.timedelta(days=1),
        acceptance_end_datetime=dt.datetime(2026, 11, 29, 17, 0, tzinfo=JST),
    )
    frozen.move_to(dt.datetime(2026, 11, 24, 23, 59, 30, tzinfo=JST))
    before = client.get(path(measure))
    assert "あと 5 日で締切" in before.content.decode() and before["Cache-Control"] == "max-age=30"
    frozen.move_to(dt.datetime(2026, 11, 25, 0, 0, 1, tzinfo=JST))
    after = revalidate(client, path(measure), before["ETag"])
    assert after.status_code == 200 and "あと 4 日で締切" in after.content.decode()


def test_a_signed_in_visitor_gets_the_measure_page_private_no_store_and_no_etag(client, measure, sme_user):
    etag = client.get(path(measure))["ETag"]
    signed_in = Client()
    signed_in.force_login(sme_user)
    response = revalidate(signed_in, path(measure), etag)
    assert response.status_code == 200 and not response.has_header("ETag")
    assert response["Cache-Control"] == PRIVATE_NO_STORE
    assert "この支援策をフォローする" in response.content.decode()
