"""Reads for the consultation pages and the API."""

import datetime as dt
from collections import Counter

from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import bar_chart_svg
from core.choices import EmployeeBand, Industry, RevenueBand
from core.jst import JST

from .models import ACTIVE_STATUSES, Advisor, Booking, BookingStatus, ConsultationWindow, Topic


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


def booking_statistics(*, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Held or planned consultations (not cancelled) by category, and by the industry, revenue and employee band
    the company had when it booked (so that a later profile edit does not rewrite past figures)."""
    start = dt.datetime.combine(date_from, dt.time(0), tzinfo=JST)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=JST)
    rows = list(
        Booking.objects.filter(start__gte=start, start__lt=end)
        .exclude(status=BookingStatus.CANCELLED)
        .values_list("topics", "company_industry", "company_revenue_band", "company_employee_band")
    )
    by_topic = Counter(t for topics, *_rest in rows for t in topics)
    dims = [
        (_("相談分野別（複数選択あり）"), Topic.choices, by_topic),
        (_("業種別"), Industry.choices, Counter(r[1] for r in rows)),
        (_("売上高別"), RevenueBand.choices, Counter(r[2] for r in rows)),
        (_("従業員数別"), EmployeeBand.choices, Counter(r[3] for r in rows)),
    ]
    total = len(rows)
    result = []
    for title, choices, counter in dims:
        items = [(str(label), counter.get(value, 0)) for value, label in choices]
        result.append(
            {
                "title": title,
                "chart": bar_chart_svg(items, title=str(title), unit=_("件")),
                "rows": [(label, n, round(100 * n / total, 1) if total else 0) for label, n in items],
                "total": total,
            }
        )
    return result


def window_advisor_ids(*, window: ConsultationWindow) -> list[int]:
    return list(Advisor.objects.filter(windows=window, is_active=True).values_list("pk", flat=True))


def company_booking_at(*, company_id: int, window: ConsultationWindow, start: dt.datetime) -> Booking | None:
    """The company's active booking of this window at this time (a double submit finds the first one)."""
    return Booking.objects.filter(company_id=company_id, window=window, start=start, status__in=ACTIVE_STATUSES).first()
