"""Reads for the consultation pages and the API."""

import datetime as dt

from django.utils import timezone

from .models import ACTIVE_STATUSES, Advisor, Booking, ConsultationWindow


def window_list():
    return ConsultationWindow.objects.all()


def advisors_by_id(ids) -> dict[int, Advisor]:
    return {a.pk: a for a in Advisor.objects.filter(pk__in=ids)}


def company_bookings(*, company_id: int, now: dt.datetime | None = None) -> tuple[list[Booking], list[Booking]]:
    now = now or timezone.now()
    qs = Booking.objects.select_related("window", "advisor").filter(company_id=company_id).order_by("start")
    upcoming = [b for b in qs if b.start >= now and b.status in ACTIVE_STATUSES]
    past = [b for b in qs if not (b.start >= now and b.status in ACTIVE_STATUSES)]
    past.reverse()
    return upcoming, past


def window_advisor_ids(*, window: ConsultationWindow) -> list[int]:
    return list(Advisor.objects.filter(windows=window, is_active=True).values_list("pk", flat=True))


def company_booking_at(*, company_id: int, window: ConsultationWindow, start: dt.datetime) -> Booking | None:
    """The company's active booking of this window at this time (a double submit finds the first one)."""
    return Booking.objects.filter(company_id=company_id, window=window, start=start, status__in=ACTIVE_STATUSES).first()
