"""Advisors keep their own weekly hours and days off within the windows' rules, and subscribe to a private feed."""

import datetime as dt

import pytest
from icalendar import Calendar

from accounts.tests.factories import SmeUserFactory
from consultations.models import AdvisorAvailability, AdvisorDayOff
from consultations.services import window_slots
from consultations.tests.conftest import intake

from .conftest import advisor_account, at, book

pytestmark = pytest.mark.django_db


def _rows(*rows):
    data = {
        "av-TOTAL_FORMS": str(len(rows)),
        "av-INITIAL_FORMS": "0",
        "av-MIN_NUM_FORMS": "0",
        "av-MAX_NUM_FORMS": "21",
    }
    for i, (weekday, start, end) in enumerate(rows):
        data.update({f"av-{i}-weekday": weekday, f"av-{i}-start": start, f"av-{i}-end": end})
    return data


def test_weekly_hours_within_the_window_are_saved_and_change_the_free_slots(advisor_client, account, frozen):
    from consultations.models import ConsultationWindow

    response = advisor_client.post("/advisor/availability/", _rows((1, "13:00", "17:00")))
    assert response.status_code == 302
    assert list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end")) == [
        (1, dt.time(13), dt.time(17))
    ]
    slots = window_slots(
        window=ConsultationWindow.objects.get(code="hq"), date_from=dt.date(2026, 4, 28), date_to=dt.date(2026, 4, 30)
    )
    free = {
        s.start.astimezone(at(2026, 1, 1, 0).tzinfo).strftime("%m-%d %H")
        for s in slots
        if account.advisor_id in s.free_advisor_ids
    }
    assert free == {"04-28 13", "04-28 14", "04-28 15", "04-28 16"}  # Tuesday afternoon only, Thursday gone


def test_hours_outside_the_window_rules_or_overlapping_are_refused_and_nothing_changes(advisor_client, account):
    before = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    response = advisor_client.post("/advisor/availability/", _rows((2, "09:00", "12:00")))  # Wednesday: window closed
    assert response.status_code == 400 and "受付時間（受付なし）の外です" in response.content.decode()
    response = advisor_client.post("/advisor/availability/", _rows((1, "08:00", "12:00")))
    assert response.status_code == 400 and "受付時間（09:00〜17:00）の外です" in response.content.decode()
    response = advisor_client.post("/advisor/availability/", _rows((1, "09:00", "12:00"), (1, "11:00", "13:00")))
    assert response.status_code == 400 and "時間帯が重なっています" in response.content.decode()
    response = advisor_client.post("/advisor/availability/", _rows((1, "12:00", "10:00")))
    assert response.status_code == 400 and "終了は開始より後" in response.content.decode()
    after = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    assert after == before


def test_a_forged_row_count_is_refused_without_building_a_thousand_rows(advisor_client, account):
    before = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    data = {**_rows((1, "09:00", "12:00")), "av-TOTAL_FORMS": "1000000000000"}
    response = advisor_client.post("/advisor/availability/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert body.count('name="av-') <= 21 * 4 + 4  # at most 21 rows of weekday, start, end and delete
    after = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    assert after == before


def test_a_day_off_with_bookings_is_refused_with_the_list(advisor_client, account, frozen):
    sme = SmeUserFactory()
    held = book(user=sme, advisor=account.advisor, start=at(2026, 4, 23, 10))
    book(user=SmeUserFactory(), advisor=account.advisor, start=at(2026, 4, 23, 14), status="cancelled")
    response = advisor_client.post("/advisor/days-off/", {"off-date": "2026-04-23"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "予約が入っているため休みにできません" in page and f"10:00 {sme.company.name}（予約番号{held.pk}）" in page
    assert 'id="id_off-date_error"' in page
    assert not AdvisorDayOff.objects.exists()


def test_a_free_day_off_is_saved_listed_and_removed(advisor_client, account, frozen):
    assert advisor_client.post("/advisor/days-off/", {"off-date": "2026-04-28"}).status_code == 302
    assert AdvisorDayOff.objects.get().date == dt.date(2026, 4, 28)
    assert "2026年4月28日" in advisor_client.get("/advisor/availability/").content.decode()
    advisor_client.post("/advisor/days-off/remove/", {"date": "2026-04-28"})
    assert not AdvisorDayOff.objects.exists()


def test_past_or_far_days_off_and_garbage_are_refused(advisor_client, frozen):
    for value in ("2026-04-19", "2027-12-31", "not-a-date", ""):
        assert advisor_client.post("/advisor/days-off/", {"off-date": value}).status_code == 400
    assert advisor_client.post("/advisor/days-off/remove/", {"date": "\x00"}).status_code == 302
    assert not AdvisorDayOff.objects.exists()


def test_a_booking_made_through_the_service_cannot_land_on_a_day_off(account, frozen):
    from advisors.services import day_off_add
    from consultations.services import booking_create
    from core.errors import ApplicationError

    day_off_add(account=account, date=dt.date(2026, 4, 23))
    with pytest.raises(ApplicationError):
        booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())


def test_the_feed_carries_my_bookings_in_tokyo_time_with_vtimezone(client, account, frozen):
    requested = book(user=SmeUserFactory(), advisor=account.advisor, start=at(2026, 4, 23, 10), status="requested")
    confirmed = book(
        user=SmeUserFactory(),
        advisor=account.advisor,
        start=at(2026, 4, 28, 14),
        meeting_url="https://zoom.example/j/1",
    )
    other = advisor_account(name="別", email="b@example.jp")
    book(user=SmeUserFactory(), advisor=other.advisor, start=at(2026, 4, 23, 11))
    response = client.get(f"/advisor/calendar/{account.calendar_token}.ics")  # no login: the address is the key
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VTIMEZONE" in body and "TZID:Asia/Tokyo" in body
    assert "DTSTART;TZID=Asia/Tokyo:20260423T100000" in body
    events = {str(e["UID"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert set(events) == {f"consultation-{requested.pk}@cn-portal", f"consultation-{confirmed.pk}@cn-portal"}
    assert str(events[f"consultation-{requested.pk}@cn-portal"]["STATUS"]) == "TENTATIVE"
    assert str(events[f"consultation-{confirmed.pk}@cn-portal"]["STATUS"]) == "CONFIRMED"
    assert str(events[f"consultation-{confirmed.pk}@cn-portal"]["LOCATION"]) == "https://zoom.example/j/1"


def test_feed_events_carry_company_topics_institution_and_meeting_url_but_no_question_or_contact(
    client, account, frozen
):
    from accounts.tests.factories import InstitutionUserFactory

    sme = SmeUserFactory(email="contact-person@example.jp")
    institution = InstitutionUserFactory().institution
    booking = book(
        user=sme,
        advisor=account.advisor,
        start=at(2026, 4, 28, 14),
        meeting_url="https://zoom.example/j/42",
        sitting_in=institution,
        topics=["supply_chain", "subsidy"],
    )
    response = client.get(f"/advisor/calendar/{account.calendar_token}.ics")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    description = str(event["DESCRIPTION"])
    for text in (
        f"企業：{sme.company.name}",
        "相談したいこと：サプライチェーン対応、補助金",
        f"同席する支援機関：{institution.name}",
        "会議URL：https://zoom.example/j/42",
        f"/advisor/bookings/{booking.pk}/",
    ):
        assert text in description, (text, description)
    body = response.content.decode()
    for private in (booking.question, booking.customer_request, "contact-person@example.jp"):
        assert private not in body and private not in description
    assert response["Cache-Control"] == "private, no-store"


def test_an_empty_feed_still_names_its_time_zone(client, account):
    assert "BEGIN:VTIMEZONE" in client.get(f"/advisor/calendar/{account.calendar_token}.ics").content.decode()


def test_regenerating_the_feed_address_retires_the_old_one(advisor_client, account):
    old = account.calendar_token
    advisor_client.post("/advisor/calendar/regenerate/")
    account.refresh_from_db()
    assert account.calendar_token != old
    assert advisor_client.get(f"/advisor/calendar/{old}.ics").status_code == 404
    assert advisor_client.get(f"/advisor/calendar/{account.calendar_token}.ics").status_code == 200
    assert account.calendar_token in advisor_client.get("/advisor/").content.decode()


def test_a_guessed_feed_address_is_not_found(client, account):
    assert client.get("/advisor/calendar/guess.ics").status_code == 404


def _availability_form(client) -> list[tuple[str, str]]:
    from tests.formpost import rendered_forms

    page = client.get("/advisor/availability/")
    assert page.status_code == 200
    (form,) = [f for f in rendered_forms(page.content.decode()) if f["action"] == ""]
    return form["data"]


def test_weekly_hours_posted_exactly_as_rendered_save_unchanged(advisor_client, account, frozen):
    """The browser posts the empty extra rows too (blank weekday, empty times): saving without a change works."""
    from tests.formpost import as_post

    advisor_client.post("/advisor/availability/", _rows((1, "13:00", "17:00"), (3, "09:00", "12:00")))
    before = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    pairs = _availability_form(advisor_client)
    assert ("av-2-weekday", "") in pairs and ("av-3-start", "") in pairs  # the two extra rows, as rendered
    response = advisor_client.post("/advisor/availability/", as_post(pairs))
    assert response.status_code == 302, response.content.decode()
    after = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    assert after == before


def test_weekly_hours_changed_in_the_rendered_form_and_an_extra_row_filled_are_saved(advisor_client, account, frozen):
    from tests.formpost import as_post

    advisor_client.post("/advisor/availability/", _rows((1, "13:00", "17:00")))
    pairs = _availability_form(advisor_client)
    changed = {"av-0-end": "16:00", "av-1-weekday": "3", "av-1-start": "09:00", "av-1-end": "11:00"}
    response = advisor_client.post("/advisor/availability/", as_post(pairs, changed))
    assert response.status_code == 302, response.content.decode()
    assert list(
        AdvisorAvailability.objects.filter(advisor=account.advisor)
        .order_by("weekday")
        .values_list("weekday", "start", "end")
    ) == [(1, dt.time(13), dt.time(16)), (3, dt.time(9), dt.time(11))]


def test_an_extra_row_with_times_but_no_weekday_is_refused_next_to_the_field(advisor_client, account, frozen):
    from tests.formpost import as_post

    before = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    pairs = _availability_form(advisor_client)
    response = advisor_client.post(
        "/advisor/availability/", as_post(pairs, {"av-2-start": "09:00", "av-2-end": "10:00"})
    )
    assert response.status_code == 400 and "曜日を選んでください。" in response.content.decode()
    after = list(AdvisorAvailability.objects.filter(advisor=account.advisor).values_list("weekday", "start", "end"))
    assert after == before
