"""The desk keeps an advisor's weekly hours and days off, and a booking's record, through the same services as the
advisor's workspace: the same rules and messages, the desk named in the history; the advisor page's inlines only
show the rows."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts import roles
from accounts.services import staff_groups_sync
from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from conftest import assert_accessible
from consultations.models import AdvisorAvailability, AdvisorDayOff, Booking, BookingStatus
from consultations.services import booking_create
from consultations.tests.conftest import at, intake, make_advisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=roles.CONSULTATION_DESK))
    client.force_login(user)
    return user


def hours_url(advisor) -> str:
    return f"/admin/consultations/advisor/{advisor.pk}/hours/"


def rows(*items) -> dict:
    data = {"which": "hours", "av-TOTAL_FORMS": str(len(items)), "av-INITIAL_FORMS": "0", "av-MAX_NUM_FORMS": "21"}
    for i, (weekday, start, end) in enumerate(items):
        data.update({f"av-{i}-weekday": weekday, f"av-{i}-start": start, f"av-{i}-end": end})
    return data


def test_the_advisor_page_links_to_the_hours_page_and_its_inlines_only_show_the_rows(client, desk, advisor):
    page = client.get(f"/admin/consultations/advisor/{advisor.pk}/change/").content.decode()
    assert hours_url(advisor) in page
    assert 'name="availability-0-start"' not in page and 'name="days_off-__prefix__-date"' not in page
    assert "火曜日" in page  # the rows are still shown


def test_the_desk_saves_hours_within_the_windows_rules_and_the_history_names_it(client, desk, advisor):
    response = client.post(hours_url(advisor), rows((1, "13:00", "17:00")))
    assert response.status_code == 302
    assert list(AdvisorAvailability.objects.filter(advisor=advisor).values_list("weekday", "start", "end")) == [
        (1, dt.time(13), dt.time(17))
    ]
    assert AdvisorAvailability.history.filter(advisor_id=advisor.pk, history_type="+").latest().history_user == desk

    response = client.post(hours_url(advisor), rows((2, "09:00", "12:00")))
    assert response.status_code == 400
    assert "受付時間（受付なし）の外です" in response.content.decode()
    assert AdvisorAvailability.objects.filter(advisor=advisor).count() == 1


def test_the_desk_cannot_give_a_day_off_over_a_booking_and_adds_and_removes_a_free_one(client, desk, advisor, frozen):
    booked = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    response = client.post(hours_url(advisor), {"which": "day_off", "off-date": "2026-04-23"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "予約が入っているため休みにできません" in page and f"（予約番号{booked.pk}）" in page
    assert not AdvisorDayOff.objects.exists()

    assert client.post(hours_url(advisor), {"which": "day_off", "off-date": "2026-04-28"}).status_code == 302
    day_off = AdvisorDayOff.objects.get(advisor=advisor)
    assert day_off.date == dt.date(2026, 4, 28) and day_off.history.get().history_user == desk
    assert "2026-04-28" in client.get(hours_url(advisor)).content.decode()

    response = client.post(hours_url(advisor), {"which": "day_off_remove", "remove-date": "2026-04-28"})
    assert response.status_code == 302
    assert not AdvisorDayOff.objects.exists()
    assert client.post(hours_url(advisor), {"which": "day_off_remove", "remove-date": "\x00"}).status_code == 302


def test_staff_outside_the_desk_cannot_open_the_hours_page(client, advisor):
    client.force_login(StaffUserFactory())
    assert client.get(hours_url(advisor)).status_code in (302, 403)
    assert client.post(hours_url(advisor), rows((1, "13:00", "17:00"))).status_code in (302, 403)
    assert AdvisorAvailability.objects.filter(advisor=advisor).count() == 2


def test_the_record_written_in_the_booking_form_goes_through_its_service(client, desk, advisor, frozen):
    booking = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    url = f"/admin/consultations/booking/{booking.pk}/change/"
    response = client.post(url, {"sitting_in": "", "private_record": "  窓口メモ  ", "_save": "1"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.private_record == "窓口メモ"  # stripped by booking_record_set
    assert booking.history.latest().history_user == desk

    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
    assert 'name="private_record"' not in client.get(url).content.decode()
    client.post(url, {"sitting_in": "", "private_record": "上書き", "_save": "1"})
    booking.refresh_from_db()
    assert booking.private_record == "窓口メモ"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_hours_page_shows_a_refused_day_off_next_to_the_field_and_passes_axe(live_server, page, frozen):
    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=roles.CONSULTATION_DESK))
    advisor = make_advisor()
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}{hours_url(advisor)}")
    assert_accessible(page)
    page.get_by_label("休みにする日").fill("2026-04-23")
    page.get_by_role("button", name="休みを登録する").click()
    page.wait_for_load_state("load")
    assert "予約が入っているため休みにできません" in page.locator("#id_off-date_error").inner_text()
    assert_accessible(page)
    assert not AdvisorDayOff.objects.exists()
