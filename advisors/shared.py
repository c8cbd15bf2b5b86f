"""The self-check a company shared with the advisor of a booking: figures per year, trend and SBT check."""

from django.utils.translation import gettext as _

from core.charts import bar_chart_svg
from selfcheck import selectors as selfcheck_selectors
from sharing import selectors as sharing_selectors
from sharing import services as sharing_services
from sharing.models import AccessAction


def shared_selfcheck(*, booking, user) -> dict | None:
    """None unless the company shares with this booking's advisor right now; every look is logged for the company."""
    share = sharing_selectors.share_for_advisor(
        advisor_id=booking.advisor_id, company_id=booking.company_id, booking_id=booking.pk
    ) or sharing_selectors.share_for_advisor(advisor_id=booking.advisor_id, company_id=booking.company_id)
    if share is None:
        return None
    years = []
    for sheet in sorted(
        selfcheck_selectors.sheets_of_companies(company_ids=[booking.company_id]), key=lambda s: s.fiscal_year
    ):
        report = selfcheck_selectors.sheet_report(sheet)
        years.append({"sheet": sheet, **report})
    with_totals = [y for y in years if y["co2"].total_t is not None]
    trend = (
        bar_chart_svg(
            [(_("%(y)s年度") % {"y": y["sheet"].fiscal_year}, y["co2"].total_t) for y in with_totals],
            title=_("年度別のCO2排出量"),
            unit="t-CO2",
        )
        if with_totals
        else None
    )
    sharing_services.access_record_many(
        items=[(share, y["sheet"].fiscal_year) for y in years] or [(share, None)], action=AccessAction.VIEW, user=user
    )
    return {"share": share, "ends_at": sharing_selectors.share_ends_at(share), "years": years, "trend": trend}
