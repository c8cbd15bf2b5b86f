"""Reads for CN business matching: who may see what, searches, lists and the statistics."""

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.choices import Region
from core.desk import desk_allows
from core.jst import jst_date
from selfcheck.selectors import sheets_of_company

from .models import (
    NATIONWIDE,
    Attachment,
    Buyer,
    BuyerMember,
    Meeting,
    MeetingStatus,
    MemberStatus,
    Need,
    NeedStatus,
    Proposal,
    ProposalStatus,
    SourceFigure,
    ThemeFollow,
)
from .roles import REVIEW_NEEDS, VIEW_PROPOSALS, VIEW_STATISTICS

# The version of what the public needs API shows (published needs and their buyers' profiles; matching.apps wires
# the models).
NEEDS_NAMESPACE = "matching-needs"
NEEDS_MAX_AGE = 60  # seconds an API client may reuse an answer without asking again (less before a deadline passes)


def normalise(text: str) -> str:
    """NFKC and lower case: full-width ＬＥＤ, half-width ｼｰﾄ and LED, シート compare equal."""
    return unicodedata.normalize("NFKC", text or "").lower()


# --- who is who --------------------------------------------------------------------------------------------------


def membership_of(user) -> BuyerMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return BuyerMember.objects.select_related("buyer").filter(user=user).first()


def buyer_of(user) -> Buyer | None:
    """The buyer a person acts for, only once SMRJ has approved them."""
    member = membership_of(user)
    return member.buyer if member is not None and member.status == MemberStatus.APPROVED else None


def buyer_emails(buyer_id: int) -> list[str]:
    return list(
        BuyerMember.objects.filter(buyer_id=buyer_id, status=MemberStatus.APPROVED, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _desk_has(user, perm: str) -> bool:
    """SMRJ desk pages follow the one desk rule (core.desk): staff, the permission, an enrolled second factor."""
    return desk_allows(user, perm)


def can_review(user) -> bool:
    return _desk_has(user, REVIEW_NEEDS)


def can_view_statistics(user) -> bool:
    return _desk_has(user, VIEW_STATISTICS)


def desk_can_view_proposals(user) -> bool:
    return _desk_has(user, VIEW_PROPOSALS)


def is_sme(user) -> bool:
    """A logged-in SME: not SMRJ staff, not a support institution, not acting for a buyer."""
    return bool(
        getattr(user, "is_authenticated", False)
        and not user.is_staff
        and not user.institution_id
        and membership_of(user) is None
    )


def can_see_need_details(user, need: Need) -> bool:
    buyer = buyer_of(user)
    return is_sme(user) or can_review(user) or (buyer is not None and buyer.pk == need.buyer_id)


def latest_selfcheck(*, company):
    """The company's most recent self-check sheet (through the self-check app's own selector), or None."""

    return sheets_of_company(company=company).order_by("fiscal_year").last()


# --- needs -------------------------------------------------------------------------------------------------------


def need_search(
    *,
    theme: str = "",
    region: str = "",
    deadline_by: dt.date | None = None,
    q: str = "",
    include_closed: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Need]:
    """Published needs, open ones only unless asked; a region also matches nationwide needs; every word must match."""
    now = now or timezone.now()
    needs = Need.objects.filter(status=NeedStatus.PUBLISHED).select_related("buyer")
    if not include_closed:
        # open until the end of the deadline day in Japan
        needs = needs.filter(deadline__gte=jst_date(now))
    if theme:
        needs = needs.filter(theme=theme)
    if region:
        needs = (
            needs.filter(region__in=[region, NATIONWIDE]) if region in Region.values else needs.filter(region=region)
        )
    if deadline_by:
        needs = needs.filter(deadline__lte=deadline_by)
    for word in normalise(q).split():
        needs = needs.filter(search_text__contains=word)
    return needs.order_by("deadline", "pk")


def needs_change_at(needs: Iterable[Need], *, now: dt.datetime) -> dt.datetime | None:
    """When an answer showing `needs` (read at `now`) changes with time alone, None if it never does: the first of them
    to pass its deadline (the end of its deadline day in Japan) closes (`is_open`) and leaves the open-only list.
    Publication itself is a change (it bumps NEEDS_NAMESPACE), never a moment."""
    return min((need.deadline_at for need in needs if need.deadline_at >= now), default=None)


def need_visible(*, pk: int, user) -> Need | None:
    """A published need for anyone; an unpublished one only for its buyer and the reviewing desk."""
    need = Need.objects.select_related("buyer").filter(pk=pk).first()
    if need is None:
        return None
    if need.status == NeedStatus.PUBLISHED or can_review(user):
        return need
    buyer = buyer_of(user)
    return need if buyer is not None and buyer.pk == need.buyer_id else None


def need_of_buyer(*, pk: int, buyer: Buyer) -> Need | None:
    return Need.objects.select_related("buyer").filter(pk=pk, buyer=buyer).first()


def needs_of_buyer(*, buyer: Buyer) -> QuerySet[Need]:
    return (
        Need.objects.filter(buyer=buyer)
        .annotate(
            n_proposals=Count("proposals"),
            n_new=Count("proposals", filter=Q(proposals__status=ProposalStatus.SUBMITTED)),
            n_meetings=Count("proposals", filter=Q(proposals__meeting_agreed_at__isnull=False)),
        )
        .order_by("-created_at")
    )


def needs_in_review() -> QuerySet[Need]:
    return (
        Need.objects.filter(status=NeedStatus.IN_REVIEW)
        .select_related("buyer", "created_by")
        .order_by("submitted_at", "pk")
    )


def needs_published_between(*, start: dt.datetime, end: dt.datetime) -> QuerySet[Need]:
    return Need.objects.filter(status=NeedStatus.PUBLISHED, published_at__gte=start, published_at__lt=end).order_by(
        "deadline", "pk"
    )


def follows_for_themes(*, themes: list[str]) -> QuerySet[ThemeFollow]:
    return ThemeFollow.objects.filter(theme__in=themes, user__is_active=True).select_related("user")


def followed_themes(*, user) -> list[str]:
    return list(ThemeFollow.objects.filter(user=user).values_list("theme", flat=True))


# --- proposals ---------------------------------------------------------------------------------------------------


def _with_meetings(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return proposals.prefetch_related(
        "attachments",
        Prefetch("meetings", queryset=Meeting.objects.prefetch_related("slots").order_by("-created_at")),
    )


def proposals_for_need(*, need: Need, status: str = "") -> QuerySet[Proposal]:
    proposals = Proposal.objects.filter(need=need).select_related("company", "submitted_by")
    if status:
        proposals = proposals.filter(status=status)
    return _with_meetings(proposals).order_by("created_at", "pk")


def proposals_of_company(*, company) -> QuerySet[Proposal]:
    return Proposal.objects.filter(company=company).select_related("need", "need__buyer").order_by("-created_at")


def proposal_of_company_for_need(*, company, need: Need) -> Proposal | None:
    if company is None:
        return None
    return Proposal.objects.filter(company=company, need=need).first()


@dataclass(frozen=True)
class ProposalAccess:
    proposal: Proposal
    role: str  # "buyer", "sme" or "desk"


def proposal_for_user(*, pk: int, user) -> ProposalAccess | None:
    """The proposal with the viewer's role: its buyer, its proposing company, or the SMRJ desk; None for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return None
    proposal = (
        _with_meetings(Proposal.objects.select_related("need", "need__buyer", "company", "submitted_by"))
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        return None
    buyer = buyer_of(user)
    if buyer is not None and proposal.need.buyer_id == buyer.pk:
        return ProposalAccess(proposal, "buyer")
    if is_sme(user) and user.company_id == proposal.company_id:
        return ProposalAccess(proposal, "sme")
    if desk_can_view_proposals(user):
        return ProposalAccess(proposal, "desk")
    return None


def attachment_for_user(*, pk: int, user) -> Attachment | None:
    item = Attachment.objects.filter(pk=pk).first()
    if item is None or proposal_for_user(pk=item.proposal_id, user=user) is None:
        return None
    return item


def open_meeting(proposal: Proposal) -> Meeting | None:
    """The meeting being arranged or agreed (from the prefetched list)."""
    for meeting in proposal.meetings.all():
        if meeting.status in (MeetingStatus.REQUESTED, MeetingStatus.ACCEPTED):
            return meeting
    return None


def meeting_for_user(*, pk: int, user) -> Meeting | None:
    meeting = Meeting.objects.select_related("proposal").filter(pk=pk).first()
    if meeting is None or proposal_for_user(pk=meeting.proposal_id, user=user) is None:
        return None
    return (
        Meeting.objects.select_related(
            "proposal", "proposal__need", "proposal__need__buyer", "proposal__company", "requested_by"
        )
        .prefetch_related("slots")
        .get(pk=pk)
    )


# --- statistics --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearRow:
    fiscal_year: int
    buyers: int
    needs: int
    proposals: int
    proposing_smes: int
    negotiations: int | None
    negotiating_firms: int | None
    source: str = ""
    note: str = ""

    @property
    def from_source(self) -> bool:
        return bool(self.source)


def statistics_by_fiscal_year() -> list[YearRow]:
    """Portal figures per fiscal year (April–March) of a need's publication, in the source's terms.

    buyers: companies with a need published that year; needs: needs published; proposals and proposing SMEs: to
    those needs; negotiations and negotiating firms: proposals (and their companies) whose 商談 was agreed.
    """
    need_rows = (
        Need.objects.filter(status=NeedStatus.PUBLISHED)
        .values("fiscal_year")
        .annotate(buyers=Count("buyer", distinct=True), needs=Count("pk"))
    )
    proposal_rows = (
        Proposal.objects.filter(need__status=NeedStatus.PUBLISHED)
        .values("need__fiscal_year")
        .annotate(
            proposals=Count("pk"),
            smes=Count("company", distinct=True),
            negotiations=Count("pk", filter=Q(meeting_agreed_at__isnull=False)),
            negotiating=Count("company", filter=Q(meeting_agreed_at__isnull=False), distinct=True),
        )
    )
    by_year = {row["need__fiscal_year"]: row for row in proposal_rows}
    rows = []
    for row in sorted(need_rows, key=lambda r: r["fiscal_year"]):
        p = by_year.get(row["fiscal_year"], {})
        rows.append(
            YearRow(
                fiscal_year=row["fiscal_year"],
                buyers=row["buyers"],
                needs=row["needs"],
                proposals=p.get("proposals", 0),
                proposing_smes=p.get("smes", 0),
                negotiations=p.get("negotiations", 0),
                negotiating_firms=p.get("negotiating", 0),
            )
        )
    return rows


def source_rows() -> list[YearRow]:
    return [
        YearRow(
            fiscal_year=f.fiscal_year,
            buyers=f.buyers,
            needs=f.needs,
            proposals=f.proposals,
            proposing_smes=f.proposing_smes,
            negotiations=f.negotiations,
            negotiating_firms=f.negotiating_firms,
            source=f.source,
            note=f.note,
        )
        for f in SourceFigure.objects.order_by("fiscal_year")
    ]
