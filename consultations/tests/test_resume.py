"""An hour chosen before logging in or describing the company survives both: the calendar's form (which books
without an account, see test_hold.py) opens again with that hour chosen, or says kindly that it was taken."""

import pytest

from accounts.tests.factories import PASSWORD, SmeUserFactory, UserFactory
from consultations.services import booking_create
from consultations.tests.conftest import at, intake

pytestmark = pytest.mark.django_db

SLOT = "/consultations/w/hq/book/?mode=online&start=2026-04-23T10%3A00%3A00%2B09%3A00"
CALENDAR = "/consultations/w/hq/?mode=online&start=2026-04-23T10%3A00%3A00%2B09%3A00"
CHECKED = 'value="2026-04-23T10:00:00+09:00" checked'
COMPANY = {
    "name": "株式会社はなこ製作所",
    "prefecture": "aichi",
    "industry": "manufacturing",
    "revenue_band": "le_100m",
    "employee_band": "le_20",
}


def test_a_returning_user_logs_in_from_the_calendar_and_comes_back_to_the_hour_chosen(frozen, client, advisor):
    user = SmeUserFactory()
    chosen = client.get(SLOT)
    assert chosen["Location"] == CALENDAR
    page = client.get(CALENDAR).content.decode()
    assert CHECKED in page and "登録済みの方はログイン" in page
    response = client.post(
        "/accounts/login/?next=" + CALENDAR.replace("?", "%3F").replace("&", "%26"),
        {"login": user.email, "password": PASSWORD},
    )
    assert response["Location"] == "/consultations/w/hq/?mode=online&start=2026-04-23T10:00:00+09:00"
    page = client.get(CALENDAR).content.decode()
    assert CHECKED in page and "この内容で予約する" in page and 'name="email"' not in page


def test_an_account_without_a_company_comes_back_to_the_hour_after_the_company_form(frozen, client, advisor):
    user = UserFactory()
    client.force_login(user)
    page = client.get(CALENDAR).content.decode()
    assert "企業情報を登録する" in page
    saved = client.post("/me/company/", COMPANY)
    assert saved.status_code == 302 and saved["Location"] == CALENDAR
    html = client.get(saved["Location"]).content.decode()
    assert CHECKED in html and "選んだ日時のご予約をどうぞ" in html


def test_a_slot_taken_meanwhile_is_said_kindly_with_the_nearest_free_ones(frozen, client, advisor):
    user = SmeUserFactory()
    client.force_login(user)
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())  # someone else, meanwhile
    html = client.get(SLOT).content.decode()
    assert "その間にほかの方のご予約で埋まりました" in html
    assert "近い日時の空き枠" in html and "start=2026-04-23T11%3A00%3A00%2B09%3A00" in html
