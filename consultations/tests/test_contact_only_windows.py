"""Only HQ's online window has the source's timetable (Tue/Thu 9–17 JST); a regional window without a timetable set
by staff is a contact: its office and how to apply, no slots (issue 25, reference/000)."""

import datetime as dt

import pytest
from django.urls import reverse

from consultations.models import ConsultationWindow, OpeningRule
from consultations.services import booking_create, window_slots
from core.errors import ApplicationError

from .conftest import at, intake, make_advisor

pytestmark = pytest.mark.django_db

REGIONAL = ["tohoku", "chubu", "kinki", "chugoku", "kyushu"]


def test_only_hq_has_the_sources_tuesday_and_thursday_timetable():
    hq = ConsultationWindow.objects.get(code="hq")
    rules = [(r.weekday, r.start, r.end, r.slot_minutes) for r in hq.rules.order_by("weekday")]
    assert rules == [(1, dt.time(9), dt.time(17), 60), (3, dt.time(9), dt.time(17), 60)]
    for code in REGIONAL:
        window = ConsultationWindow.objects.get(code=code)
        assert not window.rules.exists() and not window.has_timetable, code
        assert "にご連絡ください" in window.description, code


def test_a_regional_window_without_a_timetable_offers_no_slots(frozen, client, sme_user):
    make_advisor(window_code="kyushu", name="九州の専門家", email="k@example.jp")
    kyushu = ConsultationWindow.objects.get(code="kyushu")
    assert window_slots(window=kyushu, date_from=dt.date(2026, 4, 20), date_to=dt.date(2026, 6, 14)) == []
    api = client.get(
        "/api/v1/consultations/slots", {"window": "kyushu", "date_from": "2026-04-20", "date_to": "2026-06-14"}
    )
    assert api.status_code == 200 and api.json() == []
    windows = {w["code"]: w for w in client.get("/api/v1/consultations/windows").json()}
    assert windows["kyushu"]["contact_only"] is True and "九州本部にご連絡ください" in windows["kyushu"]["how_to_apply"]
    assert windows["hq"]["contact_only"] is False
    page = client.get(reverse("consultations:calendar", args=["kyushu"]), {"mode": "in_person"}).content.decode()
    assert "中小機構 九州本部（福岡県福岡市）" in page  # its office
    assert "申込方法：中小機構 九州本部にご連絡ください" in page  # how to apply
    assert "予約枠はありません" in page and 'name="start"' not in page and "/book/" not in page
    index = client.get(reverse("consultations:index")).content.decode()
    assert index.count("申し込み方法を見る") == 5
    assert "/consultations/w/kyushu/?mode=in_person" not in index
    with pytest.raises(ApplicationError):
        booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake(window_code="kyushu", mode="in_person"))


def test_a_timetable_set_by_staff_opens_the_regional_windows_slots(frozen, client):
    make_advisor(window_code="kyushu", name="九州の専門家", email="k@example.jp")
    kyushu = ConsultationWindow.objects.get(code="kyushu")
    OpeningRule.objects.create(window=kyushu, weekday=2, start=dt.time(13), end=dt.time(15), slot_minutes=60)
    kyushu.refresh_from_db()
    assert kyushu.has_timetable
    slots = window_slots(window=kyushu, date_from=dt.date(2026, 4, 20), date_to=dt.date(2026, 4, 26))
    assert [s.start for s in slots] == [at(2026, 4, 22, 13), at(2026, 4, 22, 14)]
    windows = {w["code"]: w for w in client.get("/api/v1/consultations/windows").json()}
    assert windows["kyushu"]["contact_only"] is False


def test_the_contact_page_says_to_contact_the_regional_offices(client):
    page = client.get(reverse("contact")).content.decode()
    assert "申し込みは各地域本部に連絡します" not in page
    assert "地域本部の窓口への申し込みは、各地域本部にご連絡ください" in page


def test_the_diagnosis_page_says_whose_offer_it_describes(client):
    page = client.get(reverse("dispatch:index")).content.decode()
    assert "中小機構 九州本部のリーフレット「中小機構のカーボンニュートラル支援」による九州本部の案内です" in page
