import csv
import io
from importlib import import_module

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.tests.factories import CompanyFactory, SmeUserFactory, StaffUserFactory
from consultations.models import Booking, BookingStatus
from consultations.services import booking_create
from consultations.tests.conftest import at, intake, make_advisor
from core.choices import Industry

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_client(client):
    from django.apps import apps

    # The data migration's grants (re-run: a transactional test elsewhere may have flushed the groups).
    import_module("consultations.migrations.0002_default_windows").forwards(apps, None)
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=roles.CONSULTATION_DESK))
    client.force_login(user)
    return client


@pytest.fixture
def bookings(frozen, advisor):
    make_advisor(name="B", email="b@example.jp")
    wholesale = SmeUserFactory(company=CompanyFactory(industry=Industry.WHOLESALE))
    a = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake(topics=["subsidy", "pr"]))
    b = booking_create(user=wholesale, start=at(2026, 4, 23, 10), **intake(topics=["subsidy"]))
    return a, b


def test_desk_filters_bookings_by_category_and_industry(desk_client, bookings):
    a, b = bookings
    html = desk_client.get("/admin/consultations/booking/?industry=wholesale").content.decode()
    assert f"/admin/consultations/booking/{b.pk}/change/" in html
    assert f"/admin/consultations/booking/{a.pk}/change/" not in html
    html = desk_client.get("/admin/consultations/booking/?topic=pr").content.decode()
    assert f"/admin/consultations/booking/{a.pk}/change/" in html
    assert f"/admin/consultations/booking/{b.pk}/change/" not in html


def test_private_record_never_reaches_the_sme(frozen, advisor, client):
    user = SmeUserFactory()
    booking = booking_create(user=user, start=at(2026, 4, 23, 10), **intake())
    Booking.objects.filter(pk=booking.pk).update(private_record="内部メモ：要フォロー")
    client.force_login(user)
    assert "内部メモ" not in client.get(f"/consultations/bookings/{booking.pk}/").content.decode()


def test_status_workflow_action(desk_client, bookings):
    a, b = bookings
    desk_client.post("/admin/consultations/booking/", {"action": "mark_confirmed", "_selected_action": [a.pk, b.pk]})
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}


def test_csv_export_has_bom_and_japanese_headers(desk_client, bookings):
    response = desk_client.get("/admin/consultations/booking/export/")
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:])))
    assert rows[0][0] == "予約番号" and len(rows) == 3
    assert rows[0][7] == "申込者" and {r[7] for r in rows[1:]} == {b.created_by.get_full_name() for b in bookings}
    assert "卸売業" in {r[8] for r in rows[1:]}  # after 予約番号, 年度 (issue 25), …, 申込者


def test_statistics_page_counts_by_category_industry_and_bands(desk_client, bookings):
    html = desk_client.get(
        "/admin/consultations/booking/statistics/?date_from=2026-04-01&date_to=2026-04-30"
    ).content.decode()
    assert "<svg" in html and "相談分野別" in html and "従業員数別" in html and "売上高別" in html
    assert '<td>補助金</td><td style="text-align:right">2</td>' in html
    assert '<td>卸売業</td><td style="text-align:right">1</td>' in html
    # by the advisor who took each (the two bookings of one hour went to two advisors)
    assert "担当の専門家別" in html
    assert '<td>専門家A</td><td style="text-align:right">1</td>' in html
    assert '<td>B</td><td style="text-align:right">1</td>' in html
    empty = desk_client.get("/admin/consultations/booking/statistics/?date_from=2025-01-01&date_to=2025-01-31")
    assert '<td>補助金</td><td style="text-align:right">0</td>' in empty.content.decode()


def test_sme_cannot_open_the_desk(sme_client):
    assert sme_client.get("/admin/consultations/booking/statistics/").status_code == 302


def test_statistics_show_an_institutions_own_consultations_apart_counted_as_other_in_industry(desk_client, bookings):
    from accounts.tests.factories import InstitutionUserFactory

    booking_create(user=InstitutionUserFactory(), start=at(2026, 4, 23, 11), **intake())
    html = desk_client.get(
        "/admin/consultations/booking/statistics/?date_from=2026-04-01&date_to=2026-04-30"
    ).content.decode()
    assert "相談者別" in html
    assert '<td>中小企業</td><td style="text-align:right">2</td>' in html
    assert '<td>支援機関（機関自身の相談）</td><td style="text-align:right">1</td>' in html
    assert '<td>その他・不明</td><td style="text-align:right">1</td>' in html
