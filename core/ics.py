"""iCalendar helpers for bookings and seminars (RFC 5545 through the icalendar package).

Times are written in Asia/Tokyo with the VTIMEZONE that defines it (generated from the zoneinfo data), so that
a calendar shows the hour the portal shows, whatever the client's own zone; DTSTAMP stays in UTC as the
standard requires. STATUS says what the organiser knows (TENTATIVE while a booking is only requested), and
SEQUENCE, raised by the caller on each change, lets clients replace the older copy.
"""

import datetime as dt
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from icalendar import Calendar, Event, vBinary, vCalAddress, vText

from .jst import to_jst

PRODID = "-//SMRJ CN Portal//cn-portal//JA"
TZID = "Asia/Tokyo"
STATUSES = ("TENTATIVE", "CONFIRMED", "CANCELLED")


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    sequence: int = 0
    cancelled: bool = False
    # TENTATIVE, CONFIRMED or CANCELLED; when empty, CANCELLED if `cancelled` else CONFIRMED.
    status: str = ""
    # (media type, content) pairs written inline as ATTACH (RFC 5545 3.8.1.1), e.g. a check-in QR code.
    attachments: tuple[tuple[str, bytes], ...] = ()
    # RFC 5546 (iTIP): who sends the invitation and who is invited, as (address, name). With an organizer the file is
    # a METHOD:REQUEST (CANCEL when cancelled) that calendar clients match by UID and replace by SEQUENCE.
    organizer: tuple[str, str] | None = None
    attendees: tuple[tuple[str, str], ...] = ()

    @property
    def ical_status(self) -> str:
        if self.cancelled:
            return "CANCELLED"
        if self.status:
            if self.status not in STATUSES:
                raise ValueError(f"unknown iCalendar status {self.status!r}")
            return self.status
        return "CONFIRMED"


def calendar_bytes(events: list[CalendarEvent], *, method: str = "PUBLISH", name: str = "") -> bytes:
    """One VCALENDAR with the given events and the VTIMEZONE of Asia/Tokyo."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cancelled = len(events) == 1 and events[0].ical_status == "CANCELLED"
    invitation = len(events) == 1 and events[0].organizer is not None
    cal.add("method", "CANCEL" if cancelled else ("REQUEST" if invitation and method == "PUBLISH" else method))
    if name:
        cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    stamp = timezone.now()
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", to_jst(item.start))
        event.add("dtend", to_jst(item.end))
        event.add("summary", item.summary)
        event.add("sequence", item.sequence)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event["location"] = vText(item.location)
        if item.url:
            event.add("url", item.url)
        event.add("status", item.ical_status)
        if item.organizer is not None:
            organizer = vCalAddress(f"mailto:{item.organizer[0]}")
            organizer.params["CN"] = vText(item.organizer[1])
            event.add("organizer", organizer, encode=0)
        for address, name in item.attendees:
            attendee = vCalAddress(f"mailto:{address}")
            if name:
                attendee.params["CN"] = vText(name)
            attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
            attendee.params["PARTSTAT"] = vText("ACCEPTED")
            event.add("attendee", attendee, encode=0)
        for media_type, content in item.attachments:
            event.add(
                "attach",
                vBinary(content),
                parameters={"FMTTYPE": media_type, "ENCODING": "BASE64", "VALUE": "BINARY"},
            )
        cal.add_component(event)
    if events:
        # Japan has kept +09:00 without daylight saving since 1951: one STANDARD block from 1970 covers any date.
        cal.add_missing_timezones(
            first_date=dt.date(1970, 1, 1), last_date=max(LAST_DATE, *(e.end.date() for e in events))
        )
    return cal.to_ical()


LAST_DATE = dt.date(2100, 1, 1)
