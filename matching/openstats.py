"""What CN business matching publishes in the open statistics (core.openstats): needs and proposals per 年度."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.jst import fiscal_year_bounds
from core.openstats import StatTable, provider

from .models import Need, Proposal, ProposalStatus


@provider
def matching_tables(fiscal_year: int) -> list[StatTable]:
    """Needs published in the year, and proposals made in the year (and how many reached a meeting)."""
    start, end = fiscal_year_bounds(fiscal_year)
    needs = Need.objects.filter(published_at__gte=start, published_at__lt=end).count()
    proposals = Proposal.objects.filter(created_at__gte=start, created_at__lt=end)
    meetings = proposals.filter(status__in=[ProposalStatus.MEETING_SET, ProposalStatus.CLOSED]).count()
    return [
        StatTable(
            "matching",
            _("CNビジネスマッチング"),
            _("ニーズと提案"),
            pgettext("unit: needs and proposals", "件"),
            [(_("公開されたニーズ"), needs), (_("提案"), proposals.count()), (_("商談に進んだ提案"), meetings)],
        )
    ]
