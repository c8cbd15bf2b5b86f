"""The language menu names each language in itself; English pages write dates in English."""

import re

import pytest

from consultations.services import booking_create
from consultations.tests.conftest import at, intake

pytestmark = pytest.mark.django_db


def options(html: str) -> list[str]:
    select = html[html.index('id="lang-select"') : html.index("</select>")]
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_language_menu_names_each_language_in_itself_whatever_the_page_language(client):
    assert options(client.get("/").content.decode()) == ["日本語", "English"]
    assert options(english(client).get("/").content.decode()) == ["日本語", "English"]
    assert "英語" not in client.get("/").content.decode()


def test_english_calendar_pages_write_dates_in_english(frozen, client, advisor):
    japanese = client.get("/consultations/w/hq/?mode=online").content.decode()
    assert "4月20日の週" in japanese and "4月23日（木）" in japanese
    html = english(client).get("/consultations/w/hq/?mode=online").content.decode()
    assert "Week of 20 Apr" in html and "Thu 23 Apr" in html
    assert not re.search(r"\d+月\d+日", html), re.findall(r".{20}\d+月\d+日.{20}", html)[:3]


def test_english_booking_pages_write_dates_in_english(frozen, client, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    client.force_login(sme_user)
    english(client)
    for url in (f"/consultations/bookings/{booking.pk}/", "/consultations/bookings/"):
        html = client.get(url).content.decode()
        assert "Thu 23 Apr 2026, 10:00" in html, url
        assert not re.search(r"\d+年\d+月\d+日", html), url
