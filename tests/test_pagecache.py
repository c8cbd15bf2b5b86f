"""Whole pages cached for visitors without a session (core.pagecache): same page, fresh CSRF token, never shown
to someone with a session, and retired by the changes and the moments that alter them."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import SmeUserFactory
from seminars import services as seminar_services
from seminars.models import Seminar
from seminars.tests.factories import SeminarFactory

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def test_the_home_page_is_rendered_once_and_then_served_from_memory(client):
    first = client.get("/")
    second = client.get("/")
    assert [t.name for t in first.templates][:1] == ["core/home.html"]
    assert second.templates == []  # no template rendered: served from the memo
    assert TOKEN.sub("", first.content.decode()) == TOKEN.sub("", second.content.decode())


def test_each_cached_page_carries_a_fresh_working_csrf_token(client):
    from django.test import Client

    client.get("/")
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get("/")
    assert response.templates == []
    token = TOKEN.search(response.content.decode()).group(1)
    assert "csrftoken" in response.cookies
    assert token != TOKEN.search(client.get("/").content.decode()).group(1)
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    assert '<html lang="en">' in visitor.get("/").content.decode()


def test_a_logged_in_visitor_never_gets_the_anonymous_page(client, sme_user):
    assert "新規登録" in client.get("/").content.decode()
    client.force_login(sme_user)
    body = client.get("/").content.decode()
    assert "マイページ" in body and "新規登録" not in body


def test_a_pending_message_bypasses_the_memo(client):
    client.get("/")
    client.cookies["messages"] = "x"
    assert client.get("/").templates != []


def test_the_seminar_list_shows_new_seminars_and_seats_at_once(client):
    seminar = SeminarFactory(title="省エネ入門", capacity=3)
    assert "残り3席" in client.get("/seminars/").content.decode()
    assert client.get("/seminars/").templates == []
    seminar_services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    assert "残り2席" in client.get("/seminars/").content.decode()
    SeminarFactory(title="再エネ調達セミナー")
    assert "再エネ調達セミナー" in client.get("/seminars/").content.decode()
    Seminar.objects.filter(pk=seminar.pk).update(title="省エネ実践")  # update() sends no signal:
    from core import versions

    versions.bump("seminars")  # such writes bump the version themselves
    assert "省エネ実践" in client.get("/seminars/").content.decode()


def test_a_seminar_leaves_the_upcoming_list_the_moment_it_ends(client):
    ends = timezone.now() + timedelta(hours=3)
    SeminarFactory(title="まもなく終わる講座", starts_at=ends - timedelta(hours=2), ends_at=ends)
    SeminarFactory(title="来月の講座", starts_at=ends + timedelta(days=30), ends_at=ends + timedelta(days=30, hours=2))
    assert "まもなく終わる講座" in client.get("/seminars/").content.decode()
    with time_machine.travel(ends + timedelta(seconds=1)):
        body = client.get("/seminars/").content.decode()
    assert "まもなく終わる講座" not in body and "来月の講座" in body
