"""Reads of shares: which grantee may see which sheet, right now."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.jst import JST, jst_date

from .models import ADVISOR_SHARE_DAYS, Share, ShareAccess, ShareKind

INACTIVE_BOOKING_STATUSES = ["cancelled"]


def active_q(now: dt.datetime | None = None) -> Q:
    """Not revoked, not expired; an advisor's share also ends with a cancelled booking or 30 days after it."""
    now = now or timezone.now()
    return (
        Q(revoked_at__isnull=True)
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        & (
            ~Q(kind=ShareKind.ADVISOR)
            | (
                Q(booking__end__gt=now - dt.timedelta(days=ADVISOR_SHARE_DAYS))
                & ~Q(booking__status__in=INACTIVE_BOOKING_STATUSES)
            )
        )
    )


def share_is_active(share: Share, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if share.revoked_at is not None:
        return False
    if share.expires_at is not None and share.expires_at <= now:
        return False
    if share.kind == ShareKind.ADVISOR:
        booking = share.booking
        if booking.status in INACTIVE_BOOKING_STATUSES:
            return False
        return booking.end + dt.timedelta(days=ADVISOR_SHARE_DAYS) > now
    return True


def share_ends_at(share: Share) -> dt.datetime | None:
    """When access ends by itself (expiry, or 30 days after the consultation); None if only revocation ends it."""
    if share.kind == ShareKind.ADVISOR:
        return share.booking.end + dt.timedelta(days=ADVISOR_SHARE_DAYS)
    return share.expires_at


def _covers(fiscal_year: int) -> Q:
    return Q(fiscal_year__isnull=True) | Q(fiscal_year=fiscal_year)


def share_for_institution(*, institution, company_id: int, fiscal_year: int) -> Share | None:
    """The active share that lets this institution see this company's sheet of that year."""
    if institution is None:
        return None
    return (
        Share.objects.filter(
            active_q(), _covers(fiscal_year), kind=ShareKind.INSTITUTION, institution=institution, company_id=company_id
        )
        .order_by("fiscal_year")  # a one-year share is named in the log before an all-years one
        .first()
    )


def share_for_advisor(*, advisor_id: int | None, company_id: int, booking_id: int | None = None) -> Share | None:
    """The active share of a booking assigned to this advisor (all years of that company)."""
    if advisor_id is None:
        return None
    qs = Share.objects.filter(
        active_q(), kind=ShareKind.ADVISOR, booking__advisor_id=advisor_id, company_id=company_id
    ).select_related("booking")
    if booking_id is not None:
        qs = qs.filter(booking_id=booking_id)
    return qs.order_by("-booking__start").first()


def advisor_share_of_booking(*, booking) -> Share | None:
    return Share.objects.filter(kind=ShareKind.ADVISOR, booking=booking, revoked_at__isnull=True).first()


def share_for_sheet(*, user, sheet) -> Share | None:
    """The share through which a logged-in grantee (institution staff or an advisor) may see a company's sheet."""
    if not user.is_authenticated or sheet.company_id is None:
        return None
    if user.institution_id:
        return share_for_institution(
            institution=user.institution, company_id=sheet.company_id, fiscal_year=sheet.fiscal_year
        )
    advisor_id = advisor_id_of(user)
    if advisor_id:
        return share_for_advisor(advisor_id=advisor_id, company_id=sheet.company_id)
    return None


def advisor_id_of(user) -> int | None:
    account = getattr(user, "advisor_account", None) if user.is_authenticated else None
    return account.advisor_id if account is not None else None


def institution_shares(*, institution, now: dt.datetime | None = None) -> list[Share]:
    """Active shares of every company with this institution."""
    return list(
        Share.objects.filter(active_q(now), kind=ShareKind.INSTITUTION, institution=institution)
        .select_related("company")
        .order_by("company__name", "fiscal_year")
    )


def shared_sheets(*, shares: list[Share], sheets) -> list[tuple[Share, object]]:
    """Pair each sheet with the share that covers it (a sheet is listed once even when two shares cover it)."""
    by_company: dict[int, list[Share]] = {}
    for share in shares:
        by_company.setdefault(share.company_id, []).append(share)
    pairs = []
    for sheet in sheets:
        for share in by_company.get(sheet.company_id, []):
            if share.fiscal_year in (None, sheet.fiscal_year):
                pairs.append((share, sheet))
                break
    return pairs


def company_shares(*, company) -> QuerySet[Share]:
    return (
        Share.objects.filter(company=company)
        .select_related("institution", "booking", "booking__advisor", "granted_by")
        .order_by("-created_at")
    )


def company_access_log(*, company, limit: int = 200) -> list[ShareAccess]:
    return list(
        ShareAccess.objects.filter(share__company=company)
        .select_related("share", "share__institution", "share__booking", "share__booking__advisor", "user")
        .order_by("-at", "-pk")[:limit]
    )


def access_count(*, share: Share, action: str | None = None) -> int:
    qs = ShareAccess.objects.filter(share=share)
    if action:
        qs = qs.filter(action=action)
    return qs.count()


def viewed_today(*, share: Share, user, action: str, now: dt.datetime | None = None) -> bool:
    """Whether this user's look (of this kind) at the share has been recorded since midnight in Japan."""
    now = now or timezone.now()
    midnight = dt.datetime.combine(jst_date(now), dt.time(0), tzinfo=JST)
    return ShareAccess.objects.filter(share=share, user=user, action=action, at__gte=midnight).exists()


def viewed_today_share_ids(*, share_ids, user, action: str, now: dt.datetime | None = None) -> set[int]:
    """Of these shares, those whose look (of this kind) by this user was recorded since midnight in Japan."""
    ids = list(share_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    now = now or timezone.now()
    midnight = dt.datetime.combine(jst_date(now), dt.time(0), tzinfo=JST)
    return set(
        ShareAccess.objects.filter(share_id__in=ids, user=user, action=action, at__gte=midnight).values_list(
            "share_id", flat=True
        )
    )
