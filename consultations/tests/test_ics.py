"""The booking's calendar file: Asia/Tokyo with its VTIMEZONE, TENTATIVE until confirmed, SEQUENCE up on each change."""

import base64
import datetime as dt

import pytest
from icalendar import Calendar

from consultations.models import BookingStatus
from consultations.services import booking_cancel, booking_create, booking_reschedule, booking_set_status
from consultations.tests.conftest import at, intake
from core.jst import JST
from core.models import MailOutbox

pytestmark = pytest.mark.django_db


def event_of(raw: bytes) -> tuple[Calendar, dict]:
    calendar = Calendar.from_ical(raw)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def mailed_ics(booking, suffix: str) -> bytes:
    row = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:{suffix}")
    return base64.b64decode(row.attachments[0]["content"])


def test_a_requested_booking_is_tentative_in_tokyo_time_with_its_vtimezone(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    raw = mailed_ics(booking, "created")
    calendar, event = event_of(raw)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Tokyo"
    (standard,) = zone.walk("STANDARD")
    assert standard.decoded("TZOFFSETTO") == dt.timedelta(hours=9)
    assert b"DTSTART;TZID=Asia/Tokyo:20260423T100000" in raw
    start = event.decoded("DTSTART")
    assert start == dt.datetime(2026, 4, 23, 10, tzinfo=JST) and start.utcoffset() == dt.timedelta(hours=9)
    assert event.decoded("DTEND") == dt.datetime(2026, 4, 23, 11, tzinfo=JST)
    assert str(event["STATUS"]) == "TENTATIVE"
    assert int(event["SEQUENCE"]) == 0
    assert str(calendar["METHOD"]) == "REQUEST"


def test_confirmation_reschedule_and_cancellation_raise_the_sequence_and_set_the_status(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    booking_set_status(booking=booking, status=BookingStatus.CONFIRMED)
    booking.refresh_from_db()
    from consultations.notifications import booking_ics

    _cal, confirmed = event_of(booking_ics(booking))
    assert str(confirmed["STATUS"]) == "CONFIRMED" and int(confirmed["SEQUENCE"]) == 1
    moved = booking_reschedule(user=sme_user, pk=booking.pk, token=booking.token, start=at(2026, 4, 28, 13))
    _cal, changed = event_of(mailed_ics(moved, f"changed:{moved.sequence}"))
    assert str(changed["STATUS"]) == "CONFIRMED" and int(changed["SEQUENCE"]) == 2
    assert changed.decoded("DTSTART") == dt.datetime(2026, 4, 28, 13, tzinfo=JST)
    booking_cancel(user=sme_user, pk=booking.pk, token=booking.token)
    calendar, cancelled = event_of(mailed_ics(booking, "cancelled"))
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 3
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["UID"]) == f"consultation-{booking.pk}@cn-portal"


def test_the_booking_page_offers_the_current_calendar_file_to_its_company_only(frozen, client, advisor, sme_user):
    from accounts.tests.factories import SmeUserFactory

    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    client.force_login(sme_user)
    assert (
        f"/consultations/bookings/{booking.pk}/consultation.ics"
        in client.get(f"/consultations/bookings/{booking.pk}/").content.decode()
    )
    response = client.get(f"/consultations/bookings/{booking.pk}/consultation.ics")
    assert response["Content-Type"].startswith("text/calendar")
    _cal, event = event_of(response.content)
    assert str(event["STATUS"]) == "TENTATIVE"
    client.force_login(SmeUserFactory())
    assert client.get(f"/consultations/bookings/{booking.pk}/consultation.ics").status_code == 404


def test_the_booking_file_is_an_itip_request_from_the_desk_to_the_sme_and_the_advisor_and_a_cancel_after(
    frozen, advisor, sme_user, settings
):
    """RFC 5546: ORGANIZER and ATTENDEE, METHOD:REQUEST, then METHOD:CANCEL with the same UID and a higher SEQUENCE."""
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    created_cal, created = event_of(mailed_ics(booking, "created"))
    assert str(created_cal["METHOD"]) == "REQUEST"
    assert str(created["ORGANIZER"]) == f"mailto:{settings.DESK_EMAIL}"
    attendees = created["ATTENDEE"] if isinstance(created["ATTENDEE"], list) else [created["ATTENDEE"]]
    assert {str(a) for a in attendees} == {f"mailto:{sme_user.email}", f"mailto:{advisor.email}"}
    assert any(a.params.get("CN") == sme_user.get_full_name() for a in attendees)
    booking_cancel(user=sme_user, pk=booking.pk, token=booking.token, now=at(2026, 4, 20, 12))
    cancel_cal, cancelled = event_of(mailed_ics(booking, "cancelled"))
    assert str(cancel_cal["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == str(created["UID"]) and int(cancelled["SEQUENCE"]) > int(created["SEQUENCE"])


def test_the_cancellation_mail_promises_no_meeting_url_and_the_list_puts_it_under_its_own_heading(
    frozen, advisor, sme_user, sme_client
):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    booking_cancel(user=sme_user, pk=booking.pk, token=booking.token, now=at(2026, 4, 20, 12))
    body = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:cancelled").body
    assert "会議URL" not in body and "キャンセルしました" in body and sme_user.get_full_name() + " 様" in body
    html = sme_client.get("/consultations/bookings/").content.decode()
    cancelled = html.index("キャンセルした相談")
    assert html.index("これまでの相談") < cancelled < html.index(f"/consultations/bookings/{booking.pk}/")
