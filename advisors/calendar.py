"""The advisor's private iCalendar feed: times in Asia/Tokyo with its VTIMEZONE, status and sequence per booking."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone

from core.ics import PRODID
from core.jst import to_jst
from core.site import absolute_url

from . import selectors
from .models import AdvisorAccount

STATUS = {
    "requested": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "done": "CONFIRMED",
    "cancelled": "CANCELLED",
    "no_show": "CONFIRMED",
}


def event_description(*, booking, url: str) -> str:
    """What the advisor needs to prepare, from the calendar alone: company, topics, the institution sitting in, how
    to join. Minimal personal data: no question text, no contact person, no e-mail or telephone (the feed's address
    is a secret, but a calendar is copied to phones and shared calendars; the details stay behind the sign-in)."""
    lines = [
        _("企業：%(name)s") % {"name": booking.company.name},
        _("相談したいこと：%(topics)s") % {"topics": "、".join(booking.topic_labels()) or "—"},
        _("相談方法：%(mode)s（%(tool)s）")
        % {"mode": booking.get_mode_display(), "tool": booking.get_meeting_tool_display()},
        _("同席する支援機関：%(name)s") % {"name": booking.sitting_in.name if booking.sitting_in_id else "—"},
        _("会議URL：%(url)s") % {"url": booking.meeting_url or _("未設定")},
        _("相談の詳細（ログインが必要）：%(url)s") % {"url": url},
    ]
    return "\n".join(lines)


def advisor_feed(*, account: AdvisorAccount) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("CN相談（%(name)s）") % {"name": account.advisor.name})
    cal.add("x-wr-timezone", "Asia/Tokyo")
    cal.add_component(Timezone.from_tzid("Asia/Tokyo"))  # even an empty feed names its zone
    stamp = timezone.now()
    base = absolute_url()
    for booking in selectors.feed_bookings(advisor_id=account.advisor_id):
        event = Event()
        event.add("uid", f"consultation-{booking.pk}@cn-portal")
        event.add("dtstamp", stamp)
        event.add("dtstart", to_jst(booking.start))
        event.add("dtend", to_jst(booking.end))
        event.add(
            "summary",
            _("CN相談：%(company)s（%(window)s）") % {"company": booking.company.name, "window": booking.window.name},
        )
        event.add(
            "description", event_description(booking=booking, url=base + reverse("advisors:booking", args=[booking.pk]))
        )
        event.add("url", base + reverse("advisors:booking", args=[booking.pk]))
        event.add("sequence", booking.sequence)
        event.add("status", STATUS.get(booking.status, "CONFIRMED"))
        if booking.meeting_url:
            event.add("location", booking.meeting_url)
        cal.add_component(event)
    return cal.to_ical()
