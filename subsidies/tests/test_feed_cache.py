"""The RSS and Atom feeds of the catalogue are conditional (core.cache.conditional on the catalogue version): an ETag
and a max-age, a 304 while nothing changed, a new feed after every kind of change (a measure added, edited, marked
past or deleted); past schemes are left out, as the finder leaves them out by default. Signed-in visitors get
`private, no-store` and no ETag."""

import pytest
from django.test import Client

from core.cachecontrol import PRIVATE_NO_STORE
from subsidies.tests.factories import MeasureFactory
from tests.conditional import revalidate

from .test_detail_cache import admin_save

pytestmark = pytest.mark.django_db
FEEDS = ("/subsidies/feed/rss/", "/subsidies/feed/atom/")


@pytest.fixture
def measure():
    return MeasureFactory(name="省エネ設備更新補助金", description="古い空調を省エネ型に替える費用の一部を補助します。")


@pytest.fixture
def desk(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("feed", FEEDS)
def test_a_feed_has_an_etag_and_max_age_and_answers_304_unchanged(client, measure, feed):
    first = client.get(feed)
    assert first.status_code == 200 and "省エネ設備更新補助金" in first.content.decode()
    assert first["Cache-Control"] == "max-age=600"
    again = revalidate(client, feed, first["ETag"])
    assert again.status_code == 304 and again.content == b""


def _feed_measure_added(measure, desk):
    yield
    MeasureFactory(name="再エネ導入支援事業")
    yield "再エネ導入支援事業", True


def _feed_measure_edited_in_the_admin(measure, desk):
    yield
    admin_save(desk, measure, {"description": "空調と照明の更新費用の一部を補助します。"})
    yield "空調と照明の更新費用の一部を補助します。", True


def _feed_measure_marked_past_in_the_admin(measure, desk):
    yield
    admin_save(desk, measure, {"ended": "on", "ended_note": "令和8年度で終了（公式サイトで確認）"})
    yield "省エネ設備更新補助金", False


def _feed_measure_deleted_in_the_admin(measure, desk):
    yield
    assert desk.post(f"/admin/subsidies/measure/{measure.pk}/delete/", {"post": "yes"}).status_code == 302
    yield "省エネ設備更新補助金", False


FEED_CHANGES = [
    _feed_measure_added,
    _feed_measure_edited_in_the_admin,
    _feed_measure_marked_past_in_the_admin,
    _feed_measure_deleted_in_the_admin,
]


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize("change", FEED_CHANGES, ids=[c.__name__.strip("_") for c in FEED_CHANGES])
def test_every_kind_of_change_gives_a_feed_a_new_etag_and_the_new_items(client, measure, desk, change, feed):
    steps = change(measure, desk)
    next(steps)
    first = client.get(feed)
    assert revalidate(client, feed, first["ETag"]).status_code == 304
    text, listed = next(steps)
    assert (text in first.content.decode()) is not listed
    after = revalidate(client, feed, first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert (text in after.content.decode()) is listed


@pytest.mark.parametrize("feed", FEEDS)
def test_a_signed_in_visitor_gets_a_feed_private_no_store_and_no_etag(client, measure, sme_user, feed):
    etag = client.get(feed)["ETag"]
    signed_in = Client()
    signed_in.force_login(sme_user)
    response = revalidate(signed_in, feed, etag)
    assert response.status_code == 200 and not response.has_header("ETag")
    assert response["Cache-Control"] == PRIVATE_NO_STORE
