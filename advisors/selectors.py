"""Reads of the advisor workspace: only bookings assigned to the advisor, in a constant number of queries."""

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from consultations import selectors as consultations_selectors
from consultations.models import ACTIVE_STATUSES, Booking, BookingStatus
from core.jst import JST, jst_date

from .models import AdvisorAccount, MoveRequest, Recommendation


def account_of(user) -> AdvisorAccount | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return AdvisorAccount.objects.select_related("advisor", "user").filter(user=user).first()


def _bookings() -> QuerySet[Booking]:
    return (
        consultations_selectors.booking_queryset()
        .select_related("follow_up")
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.select_related("seminar", "measure"))
        )
    )


WORKSPACE_VIEWS = ("upcoming", "week", "needs_record", "all")
WORKSPACE_PAGE_SIZE = 30


def _workspace_filters(*, now: dt.datetime) -> dict[str, Q]:

    today = jst_date(now)
    monday = dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time(0), tzinfo=JST)
    open_statuses = [BookingStatus.REQUESTED, BookingStatus.CONFIRMED]
    return {
        "upcoming": Q(end__gt=now, status__in=open_statuses),
        "week": Q(start__gte=monday, start__lt=monday + dt.timedelta(days=7), status__in=ACTIVE_STATUSES),
        # Held (or due to have been) and not yet written up: what the desk and the company wait for.
        "needs_record": Q(start__lte=now, status__in=[BookingStatus.CONFIRMED, BookingStatus.DONE], private_record=""),
        "all": Q(),
    }


WORKSPACE_ORDER = {"upcoming": "start", "week": "start", "needs_record": "-start", "all": "-start"}


def workspace_counts(*, advisor_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """How many bookings each view of the workspace holds (one query)."""
    now = now or timezone.now()
    filters = _workspace_filters(now=now)
    return (
        consultations_selectors.booking_queryset()
        .filter(advisor_id=advisor_id)
        .aggregate(**{name: Count("pk", filter=q) for name, q in filters.items()})
    )


def workspace_bookings(*, advisor_id: int, view: str = "upcoming", query: str = "", page: int | str = 1, now=None):
    """One page of the advisor's bookings in a view, searched by company name, question or intake (a Paginator page)."""
    now = now or timezone.now()
    filters = _workspace_filters(now=now)
    view = view if view in filters else "upcoming"
    qs = _bookings().filter(filters[view], advisor_id=advisor_id)
    for word in query.split()[:5]:
        qs = qs.filter(
            Q(company__name__icontains=word)
            | Q(question__icontains=word)
            | Q(customer_request__icontains=word)
            | Q(sitting_in__name__icontains=word)
        )
    return Paginator(qs.order_by(WORKSPACE_ORDER[view], "pk"), WORKSPACE_PAGE_SIZE).get_page(page)


def booking_for_advisor(*, advisor_id: int, pk: int) -> Booking:
    """A booking assigned to this advisor, or 404 (another advisor's booking is not revealed)."""
    booking = _bookings().select_related("created_by").filter(pk=pk, advisor_id=advisor_id).first()
    if booking is None:
        raise Http404
    return booking


def company_history(*, company_id: int, exclude_pk: int) -> list[Booking]:
    """The company's other consultations (with any advisor), latest first, with their records and follow-ups."""
    return list(
        _bookings().select_related("advisor").filter(company_id=company_id).exclude(pk=exclude_pk).order_by("-start")
    )


def company_recommendations(*, company_id: int, booking_id: int | None = None) -> list[Recommendation]:
    qs = Recommendation.objects.filter(booking__company_id=company_id).select_related(
        "booking", "booking__advisor", "seminar", "measure"
    )
    if booking_id is not None:
        qs = qs.filter(booking_id=booking_id)
    return list(qs.order_by("-booking__start", "pk"))


def feed_bookings(*, advisor_id: int, now: dt.datetime | None = None) -> list[Booking]:
    """What the private calendar feed carries: the last 90 days and everything ahead, cancellations included."""
    now = now or timezone.now()
    return consultations_selectors.advisor_feed_bookings(advisor_id=advisor_id, since=now - dt.timedelta(days=90))


def move_requests(*, booking_id: int) -> list[MoveRequest]:
    """The advisor's requests to move this booking, latest first."""
    return list(MoveRequest.objects.filter(booking_id=booking_id).order_by("-created_at"))
