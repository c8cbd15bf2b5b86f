"""Reads for the institution dashboard: members, their progress, CO2 of those who share, invitations."""

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.utils import timezone

from accounts.models import SupportInstitution
from consultations.models import Booking
from core.jst import current_fiscal_year
from selfcheck import selectors as selfcheck_selectors
from sharing import selectors as sharing_selectors

from .models import ConsultationRequest, MemberInvitation, Membership, RequestStatus, invitation_expires_at


@dataclass
class MemberRow:
    membership: Membership
    consulted: bool = False
    measured: bool = False
    planned: bool = False
    sbt_checked: bool = False
    shares: bool = False
    years: list[tuple[int, Decimal]] = field(default_factory=list)  # (fiscal year, t-CO2) the company shares
    figures_open: bool = False  # the viewer opened the shared figures today (the dashboard shows them then)

    @property
    def latest(self) -> tuple[int, Decimal] | None:
        return self.years[-1] if self.years else None

    @property
    def change_pct(self) -> Decimal | None:
        if len(self.years) < 2 or not self.years[-2][1]:
            return None
        previous, current = self.years[-2][1], self.years[-1][1]
        return ((current - previous) / previous * 100).quantize(Decimal("0.1"))


def active_memberships(*, institution) -> list[Membership]:
    return list(
        Membership.objects.filter(institution=institution, left_at__isnull=True)
        .select_related("company")
        .order_by("company__name")
    )


def member_rows(*, institution, fiscal_year: int | None = None) -> tuple[list[MemberRow], list]:
    """One row per active member (progress for all, CO2 for those sharing) and the (share, sheet) pairs shown."""
    fiscal_year = fiscal_year or current_fiscal_year()
    memberships = active_memberships(institution=institution)
    ids = [m.company_id for m in memberships]
    consulted = set(Booking.objects.filter(company_id__in=ids, status="done").values_list("company_id", flat=True))
    sheets = list(selfcheck_selectors.sheets_of_companies(company_ids=ids))
    shares = [s for s in sharing_selectors.institution_shares(institution=institution) if s.company_id in set(ids)]
    pairs = sharing_selectors.shared_sheets(shares=shares, sheets=sheets)
    shared_years: dict[int, list[tuple[int, Decimal]]] = {}
    for _share, sheet in pairs:
        if sheet.total_t is not None:
            shared_years.setdefault(sheet.company_id, []).append((sheet.fiscal_year, sheet.total_t))
    this_year = {s.company_id: s for s in sheets if s.fiscal_year == fiscal_year}
    sharing_companies = {s.company_id for s in shares}
    rows = []
    for membership in memberships:
        sheet = this_year.get(membership.company_id)
        rows.append(
            MemberRow(
                membership=membership,
                consulted=membership.company_id in consulted,
                measured=bool(sheet and sheet.total_t is not None),
                planned=bool(sheet and sheet.step3_saved and sheet.target_year),
                sbt_checked=bool(sheet and sheet.sbt_employees is not None and sheet.sbt_revenue_yen is not None),
                shares=membership.company_id in sharing_companies,
                years=sorted(shared_years.get(membership.company_id, [])),
            )
        )
    return rows, [p for p in pairs if p[1].total_t is not None]


MEMBER_PAGE_SIZE = 50
MEMBER_SORTS = ("name", "joined", "progress", "co2")


def _folded(text: str) -> str:
    """Full-width and half-width, upper and lower case alike: 「ＡＢＣ商事」 is found by "abc"."""
    return unicodedata.normalize("NFKC", text).casefold()


def member_page(rows: list[MemberRow], *, query: str = "", sort: str = "name", page: int | str = 1):
    """The members matching the search, in the chosen order, one page of MEMBER_PAGE_SIZE (a Paginator page)."""
    needle = _folded(query.strip())
    found = [r for r in rows if needle in _folded(r.membership.company.name)] if needle else list(rows)
    by_name = sorted(found, key=lambda r: (_folded(r.membership.company.name), r.membership.pk))
    if sort == "joined":
        ordered = sorted(by_name, key=lambda r: r.membership.created_at, reverse=True)
    elif sort == "progress":
        ordered = sorted(by_name, key=lambda r: -(r.consulted + r.measured + r.planned + r.sbt_checked))
    elif sort == "co2":
        # Only figures the viewer has opened order the list: an unopened share must not show through its place.
        shown = {id(r): r.latest if r.figures_open else None for r in by_name}
        ordered = sorted(by_name, key=lambda r: (shown[id(r)] is None, -(shown[id(r)][1] if shown[id(r)] else 0)))
    else:
        ordered = by_name
    return Paginator(ordered, MEMBER_PAGE_SIZE).get_page(page)


def totals(rows: list[MemberRow]) -> dict:
    """Figures for the institution's CN action plan report."""
    latest = [r.latest[1] for r in rows if r.latest]
    return {
        "members": len(rows),
        "consulted": sum(r.consulted for r in rows),
        "measured": sum(r.measured for r in rows),
        "planned": sum(r.planned for r in rows),
        "sbt_checked": sum(r.sbt_checked for r in rows),
        "sharing": sum(r.shares for r in rows),
        "co2_latest_t": sum(latest, Decimal(0)) if latest else None,
    }


def invitations(*, institution, now: dt.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    rows = []
    for invitation in MemberInvitation.objects.filter(institution=institution).select_related("accepted_company"):
        if invitation.accepted_at:
            state = "accepted"
        elif invitation_expires_at(invitation) <= now:
            state = "expired"
        else:
            state = "sent"
        rows.append({"invitation": invitation, "state": state, "expires_at": invitation_expires_at(invitation)})
    return rows


def _sitting_in(*, institution):
    """The bookings this institution sits in on, of companies that are still its members (leaving ends the view)."""
    members = Membership.objects.filter(institution=institution, left_at__isnull=True).values("company_id")
    return Booking.objects.filter(sitting_in=institution, company_id__in=members).select_related(
        "company", "window", "advisor"
    )


def sitting_in_bookings(*, institution, now: dt.datetime | None = None) -> list[Booking]:
    now = now or timezone.now()
    return list(
        _sitting_in(institution=institution)
        .filter(end__gte=now - dt.timedelta(days=30))
        .exclude(status="cancelled")
        .order_by("start")
    )


def sitting_in_booking(*, institution, pk: int) -> Booking | None:
    """One booking the institution sits in on (read-only), or None: another institution's, or a former member's."""
    return _sitting_in(institution=institution).filter(pk=pk).first()


def company_memberships(*, company_id: int) -> list[Membership]:
    return list(
        Membership.objects.filter(company_id=company_id)
        .select_related("institution")
        .order_by("left_at", "-created_at")
    )


def institution_requests(*, institution) -> list:

    members = set(
        Membership.objects.filter(institution=institution, left_at__isnull=True).values_list("company_id", flat=True)
    )
    items = list(
        ConsultationRequest.objects.filter(institution=institution)
        .select_related("company", "booking")
        .order_by("-created_at")[:100]
    )
    for item in items:
        # A former member's booking is no longer the institution's to see: the request stays, its booking does not.
        if item.company_id not in members:
            item.booking = None
    return items


def company_requests(*, company_id: int) -> list:

    return list(
        ConsultationRequest.objects.filter(company_id=company_id, status=RequestStatus.PENDING)
        .select_related("institution")
        .order_by("-created_at")
    )


def company_upcoming_bookings(*, company_id: int) -> list[Booking]:
    return list(
        Booking.objects.filter(company_id=company_id, status__in=["requested", "confirmed"], start__gt=timezone.now())
        .select_related("window")
        .order_by("start")
    )


def member_institutions(*, company_id: int):
    """The institutions a company is a member of now: the ones that may sit in on its consultations."""

    return SupportInstitution.objects.filter(
        memberships__company_id=company_id, memberships__left_at__isnull=True
    ).order_by("name")


def is_active_member(*, institution_id: int, company_id: int) -> bool:
    return Membership.objects.filter(
        institution_id=institution_id, company_id=company_id, left_at__isnull=True
    ).exists()


def booked_on_request(*, booking: Booking) -> bool:
    """Was this booking made on an institution's consultation request (the request's answer told the institution)?"""
    return ConsultationRequest.objects.filter(booking=booking).exists()
