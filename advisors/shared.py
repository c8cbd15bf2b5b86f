"""The self-check a company shared with the advisor of a booking: figures per year, trend and SBT check.

Reading is not logging: the page (a GET) writes nothing. The advisor opens the figures with a button (a POST,
`services.selfcheck_open`), which records the look for the company once per advisor, share, year and day in Japan;
for the rest of that day the page shows them without asking again."""

from django.utils.translation import gettext as _

from core.charts import bar_chart_svg
from selfcheck import selectors as selfcheck_selectors
from sharing import selectors as sharing_selectors
from sharing.models import AccessAction


def advisor_share(*, booking):
    """The company's active share with this booking's advisor (this booking's first), or None."""
    return sharing_selectors.share_for_advisor(
        advisor_id=booking.advisor_id, company_id=booking.company_id, booking_id=booking.pk
    ) or sharing_selectors.share_for_advisor(advisor_id=booking.advisor_id, company_id=booking.company_id)


def shared_sheets(*, booking) -> list:
    return sorted(
        selfcheck_selectors.sheets_of_companies(company_ids=[booking.company_id]), key=lambda s: s.fiscal_year
    )


def shared_selfcheck(*, booking, user) -> dict | None:
    """None unless the company shares with this booking's advisor right now; the figures only once opened today."""
    share = advisor_share(booking=booking)
    if share is None:
        return None
    context = {"share": share, "ends_at": sharing_selectors.share_ends_at(share), "years": [], "trend": None}
    context["opened"] = sharing_selectors.viewed_today(share=share, user=user, action=AccessAction.VIEW)
    if not context["opened"]:
        return context
    years = []
    for sheet in shared_sheets(booking=booking):
        report = selfcheck_selectors.sheet_report(sheet)
        years.append({"sheet": sheet, **report})
    with_totals = [y for y in years if y["co2"].total_t is not None]
    context["years"] = years
    context["trend"] = (
        bar_chart_svg(
            [(_("%(y)s年度") % {"y": y["sheet"].fiscal_year}, y["co2"].total_t) for y in with_totals],
            title=_("年度別のCO2排出量"),
            unit="t-CO2",
        )
        if with_totals
        else None
    )
    return context
