"""The public needs API (list and one need) is conditional (core.cache.conditional on the "matching-needs" version,
bumped by matching.apps on every change to a need or a buyer): an ETag and a max-age, a 304 while nothing changed, a
new answer after every kind of change (publication, a buyer's profile edited, a need deleted) and once a shown need's
deadline day is over in Japan. Signed-in visitors get `private, no-store` and no ETag."""

import datetime as dt
import json

import pytest
from django.test import Client

from core import cache
from core.cachecontrol import PRIVATE_NO_STORE
from core.jst import JST
from matching.models import Need, NeedStatus
from matching.selectors import NEEDS_NAMESPACE
from tests.conditional import revalidate
from tests.formpost import as_post, rendered_forms

from .conftest import NOW, make_desk_user
from .factories import NeedFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/matching/needs"


def one(need: Need) -> str:
    return f"{LIST}/{need.pk}"


@pytest.fixture
def need(frozen):
    return NeedFactory(title="工場屋根の太陽光発電の提案募集", buyer__profile="大手食品メーカー")


@pytest.fixture
def desk(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def text(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


@pytest.mark.parametrize("url", ["list", "one"])
def test_an_anonymous_answer_has_an_etag_and_max_age_and_answers_304_unchanged(client, need, url):
    url = LIST if url == "list" else one(need)
    first = client.get(url)
    assert first.status_code == 200 and "工場屋根の太陽光発電の提案募集" in text(first)
    assert first["Cache-Control"] == "max-age=60"
    again = revalidate(client, url, first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]


def test_a_change_to_a_need_or_a_buyer_bumps_the_needs_version(need):
    before = cache.versions(NEEDS_NAMESPACE)
    need.buyer.save()
    after_buyer = cache.versions(NEEDS_NAMESPACE)
    need.save()
    assert before != after_buyer != cache.versions(NEEDS_NAMESPACE)


# Each change is a generator: set-up before the first `yield`, the change after it. The second `yield` gives a text,
# whether the list shows it after the change (it showed the opposite before) and whether the one need's answer does
# (None: that need is gone, 404).


def _published_in_the_admin(need, desk):
    waiting = NeedFactory(title="物流倉庫の断熱改修の提案募集", status=NeedStatus.IN_REVIEW, published_at=None)
    desk.force_login(make_desk_user())  # SMRJ's matching desk (the review permission, a second factor)
    yield
    response = desk.post("/admin/matching/need/", {"action": "publish", "_selected_action": [waiting.pk]})
    assert response.status_code == 302
    yield "物流倉庫の断熱改修の提案募集", True, False


def _buyer_profile_edited_in_the_admin(need, desk):
    yield
    url = f"/admin/matching/buyer/{need.buyer_id}/change/"
    form = next(f for f in rendered_forms(desk.get(url).content.decode()) if f["id"] == "buyer_form")
    response = desk.post(url, as_post(form["data"], {"profile": "大手飲料メーカー"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    yield "大手飲料メーカー", True, True


def _deleted_in_the_admin(need, desk):
    yield
    assert desk.post(f"/admin/matching/need/{need.pk}/delete/", {"post": "yes"}).status_code == 302
    yield "工場屋根の太陽光発電の提案募集", False, None


CHANGES = [_published_in_the_admin, _buyer_profile_edited_in_the_admin, _deleted_in_the_admin]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_every_kind_of_change_gives_a_new_etag_and_the_new_answer(client, need, desk, change):
    steps = change(need, desk)
    next(steps)
    urls = (LIST, one(need))
    firsts = [client.get(url) for url in urls]
    for url, first in zip(urls, firsts, strict=True):
        assert revalidate(client, url, first["ETag"]).status_code == 304
    words, *shown = next(steps)
    assert (words in text(firsts[0])) is not shown[0]
    for url, first, expected in zip(urls, firsts, shown, strict=True):
        after = revalidate(client, url, first["ETag"])
        if expected is None:
            assert after.status_code == 404 and not after.has_header("ETag")
        else:
            assert after.status_code == 200 and after["ETag"] != first["ETag"]
            assert (words in text(after)) is expected, url


def test_a_need_leaves_the_open_list_and_closes_when_its_deadline_day_ends_in_japan(client, frozen):
    need = NeedFactory(title="照明のLED化の提案募集", deadline=NOW.date())
    NeedFactory(title="来月締切の提案募集", deadline=NOW.date() + dt.timedelta(days=30))
    frozen.move_to(dt.datetime(2026, 11, 24, 23, 59, 30, tzinfo=JST))
    listed, alone, closed_too = client.get(LIST), client.get(one(need)), client.get(LIST, {"include_closed": "true"})
    assert "照明のLED化の提案募集" in text(listed) and alone.json()["is_open"] is True
    for before in (listed, alone, closed_too):
        assert before["Cache-Control"] == "max-age=30"
    frozen.move_to(dt.datetime(2026, 11, 25, 0, 0, 1, tzinfo=JST))
    after = revalidate(client, LIST, listed["ETag"])
    assert after.status_code == 200 and [n["title"] for n in after.json()] == ["来月締切の提案募集"]
    after_one = revalidate(client, one(need), alone["ETag"])
    assert after_one.status_code == 200 and after_one.json()["is_open"] is False
    closed = revalidate(client, f"{LIST}?include_closed=true", closed_too["ETag"]).json()
    assert {n["title"]: n["is_open"] for n in closed} == {"照明のLED化の提案募集": False, "来月締切の提案募集": True}


@pytest.mark.parametrize("url", ["list", "one"])
def test_a_signed_in_visitor_gets_the_api_private_no_store_and_no_etag(client, need, sme_user, url):
    url = LIST if url == "list" else one(need)
    etag = client.get(url)["ETag"]
    signed_in = Client()
    signed_in.force_login(sme_user)
    response = revalidate(signed_in, url, etag)
    assert response.status_code == 200 and not response.has_header("ETag")
    assert response["Cache-Control"] == PRIVATE_NO_STORE
