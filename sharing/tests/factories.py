"""Bookings and advisors for sharing tests, written straight to the database (the booking rules are tested elsewhere)."""

import datetime as dt

from django.utils import timezone

from consultations.models import Advisor, Booking, ConsultationWindow

JST = dt.timezone(dt.timedelta(hours=9))


def make_advisor(name: str = "専門家 一郎", email: str = "ichiro@example.jp") -> Advisor:
    window, _ = ConsultationWindow.objects.get_or_create(code="hq", defaults={"name": "本部"})
    advisor = Advisor.objects.create(name=name, email=email, expertise="省エネ")
    advisor.windows.add(window)
    return advisor


def make_booking(*, user, advisor: Advisor, start: dt.datetime | None = None, status: str = "confirmed") -> Booking:
    start = start or (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    return Booking.objects.create(
        company=user.company,
        created_by=user,
        window=ConsultationWindow.objects.get(code="hq"),
        advisor=advisor,
        start=start,
        end=start + dt.timedelta(hours=1),
        mode="online",
        status=status,
        topics=["current_state"],
        question="何から始めればよいか",
        meeting_tool="teams",
    )
