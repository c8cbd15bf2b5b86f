"""HTTP does the rest of the caching (core.cache.conditional): anonymous pages send an ETag built from the versions of
their data and how long they may be reused; an unchanged page is a 304; each change, and each moment that alters a
page, gives a new ETag; someone with a session or a pending message never gets an ETag or a 304."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import SmeUserFactory
from core import cache
from seminars import services as seminar_services
from seminars.models import Seminar
from seminars.tests.factories import SeminarFactory
from tests.conditional import revalidate

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def test_the_home_page_says_how_long_it_may_be_reused_and_answers_304_without_rendering(client):
    first = client.get("/")
    assert first["Cache-Control"] == "max-age=600" and "Cookie" in first["Vary"]
    second = revalidate(client, "/", first["ETag"])
    assert second.status_code == 304 and second.templates == [] and second.content == b""
    assert second["ETag"] == first["ETag"] and second["Cache-Control"] == "max-age=600"


def test_the_language_is_part_of_the_etag(client):
    etag = client.get("/")["ETag"]
    client.cookies["django_language"] = "en"
    english = revalidate(client, "/", etag)
    assert english.status_code == 200 and '<html lang="en">' in english.content.decode()


def test_each_page_carries_a_fresh_working_csrf_token(client):
    client.get("/")
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get("/")
    token = TOKEN.search(response.content.decode()).group(1)
    assert "csrftoken" in response.cookies
    assert token != TOKEN.search(client.get("/").content.decode()).group(1)
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    assert '<html lang="en">' in visitor.get("/").content.decode()


def test_a_signed_in_visitor_never_gets_the_anonymous_page_an_etag_or_a_304(client, sme_user):
    etag = client.get("/")["ETag"]
    client.force_login(sme_user)
    response = revalidate(client, "/", etag)
    body = response.content.decode()
    assert response.status_code == 200 and not response.has_header("ETag")
    assert "マイページ" in body and "新規登録" not in body


def test_a_pending_message_gets_the_page_rendered_with_it(client):
    etag = client.get("/")["ETag"]
    client.cookies["messages"] = "x"
    response = revalidate(client, "/", etag)
    assert response.status_code == 200 and response.templates != [] and not response.has_header("ETag")


def test_the_seminar_list_shows_new_seminars_and_seats_at_once_and_each_change_gives_a_new_etag(client):
    seminar = SeminarFactory(title="省エネ入門", capacity=3)
    first = client.get("/seminars/")
    assert "残り3席" in first.content.decode()
    assert revalidate(client, "/seminars/", first["ETag"]).status_code == 304
    seminar_services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    second = revalidate(client, "/seminars/", first["ETag"])
    assert second.status_code == 200 and "残り2席" in second.content.decode()
    SeminarFactory(title="再エネ調達セミナー")
    third = revalidate(client, "/seminars/", second["ETag"])
    assert third.status_code == 200 and "再エネ調達セミナー" in third.content.decode()
    Seminar.objects.filter(pk=seminar.pk).update(title="省エネ実践")  # update() sends no signal:
    cache.bump("seminars")  # such writes bump the version themselves
    assert "省エネ実践" in revalidate(client, "/seminars/", third["ETag"]).content.decode()


def test_a_seminar_leaves_the_upcoming_list_the_moment_it_ends_and_the_list_is_not_reused_past_it(client):
    ends = timezone.now() + timedelta(hours=3)
    SeminarFactory(title="まもなく終わる講座", starts_at=ends - timedelta(hours=2), ends_at=ends)
    SeminarFactory(title="来月の講座", starts_at=ends + timedelta(days=30), ends_at=ends + timedelta(days=30, hours=2))
    with time_machine.travel(ends - timedelta(seconds=30), tick=False):
        before = client.get("/seminars/")
    assert "まもなく終わる講座" in before.content.decode()
    assert before["Cache-Control"] == "max-age=30"
    with time_machine.travel(ends + timedelta(seconds=1)):
        after = revalidate(client, "/seminars/", before["ETag"])
    body = after.content.decode()
    assert after.status_code == 200 and "まもなく終わる講座" not in body and "来月の講座" in body


def test_a_post_or_an_error_page_gets_no_etag(client):
    assert not client.get("/consultations/w/nowhere/").has_header("ETag")
    assert not client.post("/seminars/").has_header("ETag")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/know/",
        "/privacy/",
        "/terms/",
        "/contact/",
        "/developers/api/",
        "/consultations/",
        "/consultations/w/hq/",
        "/seminars/",
        "/subsidies/",
        "/subsidies/feed/rss/",
        "/subsidies/feed/atom/",
        "/api/v1/consultations/windows",
        "/api/v1/consultations/slots?window=hq&date_from=2026-12-01&date_to=2026-12-07",
        "/api/v1/seminars",
        "/api/v1/subsidies",
        "/api/v1/matching/needs",
        "/api/v1/meta/prefectures",
    ],
)
def test_every_public_page_and_get_api_sends_an_etag_max_age_and_answers_304(client, path):
    first = client.get(path)
    assert first.status_code == 200 and first.has_header("ETag") and "max-age=" in first["Cache-Control"]
    again = revalidate(client, path, first["ETag"])
    assert again.status_code == 304 and again.content == b""
