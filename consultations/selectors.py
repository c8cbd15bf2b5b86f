"""Reads for the consultation pages and the API.

Slot availability is computed once per window and day range and kept in Redis under the consultations version
(core.cache): any booking, cancellation, opening rule, closure, day off or advisor change bumps it (signals wired in
consultations.apps), so a freshly booked hour disappears at once from every process. Uncached while Redis is down.
"""

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import Counter

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.cache import cached
from core.charts import bar_chart_svg
from core.choices import EmployeeBand, Industry, RevenueBand
from core.jst import JST, annotate_fiscal_year

from . import services
from .models import (
    ACTIVE_STATUSES,
    UNCONFIRMED,
    Advisor,
    AdvisorAvailability,
    AdvisorDayOff,
    Booking,
    BookingStatus,
    ConsultationWindow,
    Topic,
)
from .services import Slot

NAMESPACE = "consultations"


def _with_timetable(qs):
    # an aggregate drops Meta.ordering: the windows' order is given again
    return qs.annotate(rule_count=Count("rules")).order_by("sort_order", "code")


def window_list():
    """The windows, each knowing whether staff gave it a timetable (`has_timetable`) in the same query."""
    return _with_timetable(ConsultationWindow.objects.all())


def advisors_by_id(ids) -> dict[int, Advisor]:
    return {a.pk: a for a in Advisor.objects.filter(pk__in=ids)}


def company_bookings(*, company_id: int, now: dt.datetime | None = None) -> tuple[list[Booking], list[Booking]]:
    now = now or timezone.now()
    qs = (
        Booking.objects.select_related("window", "advisor")
        .filter(company_id=company_id)
        .exclude(status__in=[BookingStatus.HELD, BookingStatus.EXPIRED])
        .order_by("start")
    )
    upcoming = [b for b in qs if b.start >= now and b.status in ACTIVE_STATUSES]
    past = [b for b in qs if not (b.start >= now and b.status in ACTIVE_STATUSES)]
    past.reverse()
    return upcoming, past


def window_get(*, code: str) -> ConsultationWindow | None:
    return cached(
        f"window:{code}", (NAMESPACE,), lambda: _with_timetable(ConsultationWindow.objects.filter(code=code)).first()
    )


def _grid(window: ConsultationWindow, date_from: dt.date, date_to: dt.date) -> tuple[list[Slot], list[dt.datetime]]:
    """Every slot of the range (whatever the time now) and their starts."""

    def load() -> tuple[list[Slot], list[dt.datetime]]:
        slots = services.slot_grid(window=window, date_from=date_from, date_to=date_to)
        return slots, [s.start for s in slots]

    return cached(f"slots:{window.pk}:{date_from.isoformat()}:{date_to.isoformat()}", (NAMESPACE,), load)


def visible_slots_change_at(slots: list[Slot], now: dt.datetime | None = None) -> dt.datetime:
    """When the visible slots next change with time alone: the first one passing the notice period, or midnight
    moving the range."""
    current = (now or timezone.now()).astimezone(JST)
    midnight = dt.datetime.combine(current.date() + dt.timedelta(days=1), dt.time(0), tzinfo=JST)
    first_leaves = slots[0].start - dt.timedelta(hours=services.notice_hours()) if slots else midnight
    return min(midnight, first_leaves)


def _bounds(window, date_from, date_to, now) -> tuple[list[Slot], int, int]:
    slots, starts = _grid(window, date_from, date_to)
    earliest, latest = services.booking_bounds(now)
    return slots, bisect_left(starts, earliest), bisect_right(starts, latest)


def window_slots(
    *, window: ConsultationWindow, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None
) -> list[Slot]:
    """The bookable slots of `services.window_slots`, from the cache. The Slot objects are shared: do not mutate."""
    slots, i, j = _bounds(window, date_from, date_to, now)
    return slots[i:j]


def calendar_slots(*, window: ConsultationWindow, now: dt.datetime | None = None) -> list[Slot]:
    """The calendar's slots from tomorrow to the horizon (shared: do not mutate)."""
    earliest, latest = services.booking_bounds(now)
    return window_slots(window=window, date_from=earliest.date(), date_to=latest.date(), now=now)


def booking_statistics(*, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Held or planned consultations (not cancelled) by category, and by the industry, revenue and employee band
    the company had when it booked (so that a later profile edit does not rewrite past figures)."""
    start = dt.datetime.combine(date_from, dt.time(0), tzinfo=JST)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=JST)
    rows = list(
        Booking.objects.filter(start__gte=start, start__lt=end)
        .exclude(status__in=[BookingStatus.CANCELLED, BookingStatus.HELD, BookingStatus.EXPIRED])
        .values_list(
            "topics",
            "company_industry",
            "company_revenue_band",
            "company_employee_band",
            "company__for_institution_id",
            "advisor_id",
        )
    )
    by_topic = Counter(t for topics, *_rest in rows for t in topics)
    # Every advisor who took a consultation in the range (inactive ones too: the figures are history).
    advisors = list(Advisor.objects.filter(pk__in={r[5] for r in rows}).order_by("name").values_list("pk", "name"))
    # A support institution consulting for itself is counted with its record's "other / unknown" profile, and
    # shown apart here so that the industry split can be read without it.
    parties = [("company", _("中小企業")), ("institution", _("支援機関（機関自身の相談）"))]
    dims = [
        (_("相談者別"), parties, Counter("institution" if r[4] else "company" for r in rows)),
        (_("相談分野別（複数選択あり）"), Topic.choices, by_topic),
        (_("業種別"), Industry.choices, Counter(r[1] for r in rows)),
        (_("売上高別"), RevenueBand.choices, Counter(r[2] for r in rows)),
        (_("従業員数別"), EmployeeBand.choices, Counter(r[3] for r in rows)),
        (_("担当の専門家別"), advisors, Counter(r[5] for r in rows)),
    ]
    total = len(rows)
    result = []
    for title, choices, counter in dims:
        items = [(str(label), counter.get(value, 0)) for value, label in choices]
        result.append(
            {
                "title": title,
                "chart": bar_chart_svg(items, title=str(title), unit=pgettext("unit: consultations", "件")),
                "rows": [(label, n, round(100 * n / total, 1) if total else 0) for label, n in items],
                "total": total,
            }
        )
    return result


def window_advisors(*, window: ConsultationWindow) -> list[Advisor]:
    return list(Advisor.objects.filter(windows=window, is_active=True).order_by("name"))


def booking_counts_by_fiscal_year() -> list[tuple[int, int]]:
    """Held or planned consultations (not cancelled) per 年度 of their start (April–March, JST), oldest first."""
    rows = (
        annotate_fiscal_year(Booking.objects.exclude(status=BookingStatus.CANCELLED), "start")
        .values("fiscal_year")
        .annotate(n=Count("pk"))
        .order_by("fiscal_year")
    )
    return [(row["fiscal_year"], row["n"]) for row in rows]


def window_advisor_ids(*, window: ConsultationWindow) -> list[int]:
    return list(Advisor.objects.filter(windows=window, is_active=True).values_list("pk", flat=True))


def company_booking_at(*, company_id: int, window: ConsultationWindow, start: dt.datetime) -> Booking | None:
    """The company's active booking of this window at this time (a double submit finds the first one)."""
    return Booking.objects.filter(company_id=company_id, window=window, start=start, status__in=ACTIVE_STATUSES).first()


# --- for the roles built on consultations (advisors): reads of bookings and of an advisor's hours ---------------


def booking_queryset() -> QuerySet[Booking]:
    """Bookings with what every booking page shows (company, window, sitting-in institution): the base another
    app narrows and extends with its own relations. A newcomer's unconfirmed hold is no consultation yet."""
    return Booking.objects.select_related("company", "window", "sitting_in").exclude(status__in=UNCONFIRMED)


def booking_with_people(*, pk: int) -> Booking:
    """One booking with its company, the person who booked and the advisor (for a mail about it)."""
    return Booking.objects.select_related("company", "created_by", "advisor").get(pk=pk)


def advisor_feed_bookings(*, advisor_id: int, since: dt.datetime) -> list[Booking]:
    """An advisor's bookings starting from `since` on, cancellations included, soonest first."""
    return list(
        Booking.objects.filter(advisor_id=advisor_id, start__gte=since)
        .exclude(status__in=UNCONFIRMED)
        .select_related("company", "window", "sitting_in")
        .order_by("start")
    )


def advisor_weekly_hours(*, advisor_id: int) -> list[AdvisorAvailability]:
    return list(AdvisorAvailability.objects.filter(advisor_id=advisor_id).order_by("weekday", "start"))


def advisor_days_off(*, advisor_id: int, date_from: dt.date) -> list[AdvisorDayOff]:
    return list(AdvisorDayOff.objects.filter(advisor_id=advisor_id, date__gte=date_from).order_by("date"))
