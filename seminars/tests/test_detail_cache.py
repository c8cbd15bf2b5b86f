"""A seminar's page is conditional for anonymous visitors (core.cache.conditional on the "seminars" version): an ETag
and a max-age, a 304 while nothing changed, a new page after every kind of change (the services, the admin, a
delete) and at every moment its state changes with time alone (the registration deadline, the end, midnight in
Japan for a seminar recorded by day only). Signed-in visitors get their own page, `private, no-store`, no ETag."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from accounts.tests.factories import SmeUserFactory
from core.cachecontrol import PRIVATE_NO_STORE
from core.jst import JST
from seminars import services
from seminars.models import CoHost, Registration, Seminar, Session
from seminars.tests.factories import SeminarFactory
from tests.conditional import admin_save as save_change_form
from tests.conditional import check_change_retires, revalidate

pytestmark = pytest.mark.django_db

# Tuesday 2026-11-24 10:00 JST; the seminar starts a week later.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST)
STARTS = NOW + dt.timedelta(days=7)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def seminar(frozen):
    return SeminarFactory(title="省エネ診断の受け方", starts_at=STARTS, ends_at=STARTS + dt.timedelta(hours=2))


@pytest.fixture
def desk(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def path(seminar: Seminar) -> str:
    return f"/seminars/{seminar.pk}/"


def admin_save(desk: Client, seminar: Seminar, changes: dict[str, str | None]) -> None:
    save_change_form(desk, f"/admin/seminars/seminar/{seminar.pk}/change/", "seminar_form", changes)


def test_an_anonymous_seminar_page_has_an_etag_and_max_age_and_answers_304_unchanged(client, seminar):
    first = client.get(path(seminar))
    assert first.status_code == 200 and "省エネ診断の受け方" in first.content.decode()
    assert first["Cache-Control"] == "max-age=60" and "Cookie" in first["Vary"]
    again = revalidate(client, path(seminar), first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]


# Each change is a generator: set-up before the first `yield`, the change after it; the second `yield` gives what
# the page shows after the change (and did not before), or None when the page is gone (404).


def _registered(seminar, desk):
    yield
    services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    yield "残り9席"


def _cancelled(seminar, desk):
    registration = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    yield
    services.registration_cancel(registration=registration)
    yield "残り10席"


def _registration_deleted(seminar, desk):
    registration = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    yield
    Registration.objects.get(pk=registration.pk).delete()
    yield "残り10席"


def _capacity_raised_in_the_admin(seminar, desk):
    yield
    assert desk.post(f"/admin/seminars/seminar/{seminar.pk}/capacity/", {"capacity": "20"}).status_code == 302
    yield "残り20席"


def _title_edited_in_the_admin(seminar, desk):
    yield
    admin_save(desk, seminar, {"title": "省エネ診断の受け方と使い方"})
    yield "省エネ診断の受け方と使い方"


def _registration_deadline_moved_in_the_admin(seminar, desk):
    yield
    admin_save(desk, seminar, {"registration_close_hours": "48"})
    yield "2026年11月29日"  # two days before the start instead of one


def _cohost_added(seminar, desk):
    yield
    CoHost.objects.create(seminar=seminar, name="よろず支援拠点")
    yield "よろず支援拠点"


def _session_added(seminar, desk):
    yield
    Session.objects.create(seminar=seminar, title="省エネ補助金の使い方", speaker="中小機構")
    yield "省エネ補助金の使い方"


def _unpublished_in_the_admin(seminar, desk):
    yield
    admin_save(desk, seminar, {"is_published": None})
    yield None


def _deleted(seminar, desk):
    yield
    Seminar.objects.get(pk=seminar.pk).delete()
    yield None


CHANGES = [
    _registered,
    _cancelled,
    _registration_deleted,
    _capacity_raised_in_the_admin,
    _title_edited_in_the_admin,
    _registration_deadline_moved_in_the_admin,
    _cohost_added,
    _session_added,
    _unpublished_in_the_admin,
    _deleted,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_every_kind_of_change_gives_a_new_etag_and_the_new_page(client, seminar, desk, change):
    check_change_retires(client, path(seminar), change(seminar, desk))


def test_the_page_is_not_reused_past_the_registration_deadline(client, seminar, frozen):
    deadline = seminar.registration_closes_at
    frozen.move_to(deadline - dt.timedelta(seconds=30))
    before = client.get(path(seminar))
    assert "ログインして申し込む" in before.content.decode()
    assert before["Cache-Control"] == "max-age=30"
    assert revalidate(client, path(seminar), before["ETag"]).status_code == 304
    frozen.move_to(deadline + dt.timedelta(seconds=1))
    after = revalidate(client, path(seminar), before["ETag"])
    body = after.content.decode()
    assert after.status_code == 200 and "申込受付は終了しました" in body and "ログインして申し込む" not in body


def test_the_page_is_not_reused_past_the_seminar_end(client, seminar, frozen):
    seminar.final_headcount = 42
    seminar.save()
    frozen.move_to(seminar.ends_at - dt.timedelta(seconds=30))
    before = client.get(path(seminar))
    assert before["Cache-Control"] == "max-age=30" and "このセミナーは終了しました" not in before.content.decode()
    frozen.move_to(seminar.ends_at + dt.timedelta(seconds=1))
    after = revalidate(client, path(seminar), before["ETag"])
    body = after.content.decode()
    assert after.status_code == 200 and "このセミナーは終了しました" in body and "42名" in body
    assert after["Cache-Control"] == "max-age=60"  # nothing changes with time any more


def test_a_seminar_recorded_by_day_only_ends_at_midnight_in_japan(client, frozen):
    seminar = SeminarFactory(
        title="地域の脱炭素交流会", starts_at=None, ends_at=None, held_on=NOW.date(), accepts_registration=False
    )
    frozen.move_to(dt.datetime(2026, 11, 24, 23, 59, 30, tzinfo=JST))
    before = client.get(path(seminar))
    assert before["Cache-Control"] == "max-age=30" and "このセミナーは終了しました" not in before.content.decode()
    frozen.move_to(dt.datetime(2026, 11, 25, 0, 0, 1, tzinfo=JST))
    after = revalidate(client, path(seminar), before["ETag"])
    assert after.status_code == 200 and "このセミナーは終了しました" in after.content.decode()


def test_a_signed_in_visitor_gets_their_own_page_private_no_store_and_no_etag(client, seminar):
    etag = client.get(path(seminar))["ETag"]
    user = SmeUserFactory()
    services.registration_create(seminar_id=seminar.pk, user=user)
    signed_in = Client()
    signed_in.force_login(user)
    response = revalidate(signed_in, path(seminar), etag)
    assert response.status_code == 200 and not response.has_header("ETag")
    assert response["Cache-Control"] == PRIVATE_NO_STORE
    assert "お申し込み済みです" in response.content.decode()
    assert "お申し込み済みです" not in client.get(path(seminar)).content.decode()
