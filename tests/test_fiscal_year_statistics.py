"""Desk statistics count by 年度 (April–March, JST), never by calendar year, on every statistics page and CSV
(issue 25). Each promise runs with the clock pinned at 23:30 JST on 31 March and at 00:30 JST on 1 April (still
31 March in UTC): a UTC slip or a calendar-year grouping fails one of the two."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.services import staff_groups_sync
from accounts.tests.factories import CompanyFactory, SmeUserFactory, StaffUserFactory
from consultations.models import Booking, ConsultationWindow
from consultations.tests.conftest import make_advisor
from core.jst import JST, current_fiscal_year, fiscal_year_of, last_complete_fiscal_year
from dispatch.models import Case

pytestmark = pytest.mark.django_db

LAST_OF_MARCH = dt.datetime(2027, 3, 31, 23, 30, tzinfo=JST)  # 2026年度
FIRST_OF_APRIL = dt.datetime(2027, 4, 1, 0, 30, tzinfo=JST)  # 2027年度, still 2027-03-31 15:30 in UTC


@pytest.fixture(params=[LAST_OF_MARCH, FIRST_OF_APRIL], ids=["0331_2330JST", "0401_0030JST"])
def clock(request):
    with time_machine.travel(request.param, tick=False) as traveller:
        traveller.now = request.param
        traveller.fiscal_year = 2026 if request.param == LAST_OF_MARCH else 2027
        yield traveller


def test_the_fiscal_year_turns_at_midnight_in_japan(clock):
    assert current_fiscal_year() == clock.fiscal_year
    assert last_complete_fiscal_year() == clock.fiscal_year - 1
    assert fiscal_year_of(LAST_OF_MARCH) == 2026 and fiscal_year_of(FIRST_OF_APRIL) == 2027
    assert fiscal_year_of(dt.date(2027, 3, 31)) == 2026 and fiscal_year_of(dt.date(2027, 4, 1)) == 2027


def _booking(start: dt.datetime) -> Booking:
    advisor = make_advisor(email=f"a{start:%m%d%H}@example.jp")
    return Booking.objects.create(
        company=CompanyFactory(),
        window=ConsultationWindow.objects.get(code="hq"),
        advisor=advisor,
        start=start,
        end=start + dt.timedelta(minutes=60),
        mode="online",
        topics=["current_state"],
        question="q",
        meeting_tool="zoom",
    )


@pytest.fixture
def desk_client(client):
    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=roles.CONSULTATION_DESK))
    user.groups.add(Group.objects.get(name="専門家派遣デスク"))
    client.force_login(user)
    return client


def test_consultation_statistics_and_csvs_count_by_fiscal_year(clock, desk_client):
    _booking(LAST_OF_MARCH - dt.timedelta(hours=1))  # 22:30 JST on 31 March: 2026年度
    _booking(FIRST_OF_APRIL - dt.timedelta(minutes=30))  # 00:00 JST on 1 April: 2027年度 (15:00 UTC on 31 March)
    url = reverse("admin:consultations_statistics")
    page = desk_client.get(url).content.decode()
    year = clock.fiscal_year
    assert f'<option value="{year}" selected>' in page  # the current 年度 by default
    assert f"{year}年度（{year}-04-01〜{year + 1}-03-31）の相談：1件" in page
    assert '<td>2026年度</td><td style="text-align:right">1</td>' in page
    assert '<td>2027年度</td><td style="text-align:right">1</td>' in page
    rows = list(csv.reader(io.StringIO(desk_client.get(url, {"format": "csv"}).content.decode("utf-8-sig"))))
    assert ["年度別（キャンセルを除く）", "2026年度", "1", ""] in rows
    assert ["年度別（キャンセルを除く）", "2027年度", "1", ""] in rows
    listing = desk_client.get(reverse("admin:consultations_export"))
    exported = list(csv.reader(io.StringIO(listing.content.decode("utf-8-sig"))))
    assert exported[0][:3] == ["予約番号", "年度", "開始"]
    assert sorted(row[1] for row in exported[1:]) == ["2026", "2027"]


def test_consultation_statistics_of_a_chosen_fiscal_year_run_april_to_march(clock, desk_client):
    _booking(LAST_OF_MARCH - dt.timedelta(hours=1))
    _booking(FIRST_OF_APRIL - dt.timedelta(minutes=30))
    url = reverse("admin:consultations_statistics")
    assert (
        "2026年度（2026-04-01〜2027-03-31）の相談：1件"
        in desk_client.get(url, {"fiscal_year": "2026"}).content.decode()
    )
    if clock.fiscal_year == 2027:
        page = desk_client.get(url, {"fiscal_year": "2027"}).content.decode()
        assert "2027年度（2027-04-01〜2028-03-31）の相談：1件" in page


def test_dispatch_statistics_and_csv_count_by_fiscal_year(clock, desk_client):
    from dispatch.tests.test_cases import apply

    late, early = apply(SmeUserFactory()), apply(SmeUserFactory())
    Case.objects.filter(pk=late.pk).update(applied_at=LAST_OF_MARCH - dt.timedelta(hours=1))
    Case.objects.filter(pk=early.pk).update(applied_at=FIRST_OF_APRIL - dt.timedelta(minutes=30))
    url = reverse("admin:dispatch_statistics")
    page = desk_client.get(url).content.decode()
    year = clock.fiscal_year
    assert f"{year}年度（{year}-04-01〜{year + 1}-03-31）の案件（申込日で集計）：1件" in page
    rows = list(csv.reader(io.StringIO(desk_client.get(url, {"format": "csv"}).content.decode("utf-8-sig"))))
    assert ["年度別（申込日）", "2026年度", "1"] in rows and ["年度別（申込日）", "2027年度", "1"] in rows


def test_the_seminar_summary_counts_by_fiscal_year(clock, admin_client):
    from seminars.tests.factories import SeminarFactory

    SeminarFactory(title="3月末のセミナー", starts_at=LAST_OF_MARCH - dt.timedelta(hours=1))  # 22:30 JST 3/31
    SeminarFactory(title="4月初めのセミナー", starts_at=FIRST_OF_APRIL - dt.timedelta(minutes=30))  # 00:00 JST 4/1
    url = reverse("admin:seminars_seminar_summary")
    page = admin_client.get(url).content.decode()
    assert '<option value="2026">2026年度</option>' in page and '<option value="2027">2027年度</option>' in page
    fy2026 = admin_client.get(url, {"year": "2026"}).content.decode()
    assert "開催 1 回" in fy2026 and "2027-03" in fy2026 and "2027-04" not in fy2026
    fy2027 = admin_client.get(url, {"year": "2027"}).content.decode()
    assert "開催 1 回" in fy2027 and "2027-04" in fy2027
