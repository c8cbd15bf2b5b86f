"""What the self-check publishes in the open statistics (core.openstats): sheets per 年度, never a figure of one."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.openstats import StatTable, provider

from .models import Sheet


@provider
def selfcheck_tables(fiscal_year: int) -> list[StatTable]:
    """Sheets of the fiscal year they describe, counted once their CO2 has been computed (step 1 entered)."""
    sheets = Sheet.objects.filter(fiscal_year=fiscal_year)
    return [
        StatTable(
            "selfchecks_completed",
            _("CNセルフチェック"),
            _("CO2排出量まで算定したセルフチェック"),
            pgettext("unit: sheets", "件"),
            [(_("セルフチェック"), sheets.filter(total_t__isnull=False).count())],
            note=_("その年度の実績を入力したシートの数です（入力した時期ではなく、対象の年度で数えます）。"),
        )
    ]
