"""Dates a person sees are Japan's, whatever the hour: each promise runs at 00:30 and at 23:30 JST.

At 00:30 JST the UTC date is the day before; at 23:30 JST both agree. A date taken in UTC anywhere on the
way to a page, a CSV, a mail or a schedule therefore fails the first case, at any hour the suite runs.
"""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from consultations.services import booking_bounds, booking_create, reminders_send
from consultations.tests.conftest import intake, make_advisor
from core.jst import JST
from core.models import MailOutbox
from selfcheck.tests.helpers import filled_sheet
from seminars.tests.factories import SeminarFactory
from sharing.services import share_grant
from subsidies.selectors import days_left

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 4, 20)


@pytest.fixture(params=[dt.time(0, 30), dt.time(23, 30)], ids=["0030JST", "2330JST"])
def clock(request):
    now = dt.datetime.combine(MONDAY, request.param, tzinfo=JST)
    with time_machine.travel(now, tick=False) as traveller:
        traveller.now = now
        yield traveller


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_institution_page_and_csv_give_the_jst_day_of_update_and_share(clock, client, sme_user, institution_user):
    sheet = filled_sheet(sme_user.company)
    share_grant(
        company=sme_user.company,
        kind="institution",
        institution=institution_user.institution,
        user=sme_user,
        fiscal_year=sheet.fiscal_year,
    )
    client.force_login(institution_user)
    assert "2026-04-20" in client.get(reverse("sharing:received")).content.decode()
    body = client.post(reverse("sharing:received_csv")).content.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(body)))[1]
    assert row[-2:] == ["2026-04-20", "2026-04-20"]


def test_booking_title_mail_and_admin_show_the_jst_hour(clock, sme_user, admin_client):
    make_advisor()
    booking = booking_create(user=sme_user, start=dt.datetime(2026, 4, 23, 9, tzinfo=JST), **intake())
    assert str(booking).endswith("2026-04-23 09:00")
    page = admin_client.get(reverse("admin:consultations_booking_change", args=[booking.pk])).content.decode()
    assert "2026-04-23 09:00" in page
    mail = MailOutbox.objects.filter(to__contains=[sme_user.email]).latest("created_at")
    assert "9:00" in mail.body and "00:00" not in mail.body


def test_bookings_open_from_the_next_jst_day(clock):
    earliest, _latest = booking_bounds()
    assert earliest.astimezone(JST).date() == dt.date(2026, 4, 21)


def test_reminders_go_out_the_jst_day_before(clock, sme_user):
    make_advisor()
    booking_create(user=sme_user, start=dt.datetime(2026, 4, 23, 10, tzinfo=JST), **intake())
    with time_machine.travel(clock.now + dt.timedelta(days=1), tick=False):
        assert reminders_send() == 0  # Tuesday: two days before
    with time_machine.travel(clock.now + dt.timedelta(days=2), tick=False):
        assert reminders_send() == 1  # Wednesday, at the same JST hour


def test_seminar_title_and_api_give_the_jst_day(clock, client):
    starts = dt.datetime(2026, 4, 22, 8, 0, tzinfo=JST)  # 23:00 UTC the day before
    seminar = SeminarFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
    assert "2026/04/22" in str(seminar)
    items = client.get("/api/v1/seminars").json()
    item = next(i for i in (items["items"] if isinstance(items, dict) else items) if i["id"] == seminar.pk)
    assert item["starts_at"].startswith("2026-04-22T08:00:00+09:00")


def test_days_left_count_japanese_calendar_days(clock):
    closes_today = dt.datetime(2026, 4, 20, 23, 59, tzinfo=JST)
    closes_tomorrow_early = dt.datetime(2026, 4, 21, 0, 59, tzinfo=JST)
    assert days_left(closes_today, now=clock.now) == 0
    assert days_left(closes_tomorrow_early, now=clock.now) == 1
