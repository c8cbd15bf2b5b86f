"""What the dispatch desk publishes in the open statistics (core.openstats): cases per 年度 by stage."""

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.jst import fiscal_year_bounds
from core.openstats import StatTable, provider

from .models import Case, Programme, Stage


@provider
def dispatch_tables(fiscal_year: int) -> list[StatTable]:
    """Cases applied for in the year, by programme and by the stage they are at now."""
    start, end = fiscal_year_bounds(fiscal_year)
    rows = list(Case.objects.filter(applied_at__gte=start, applied_at__lt=end).values_list("programme", "stage"))
    by_programme = Counter(programme for programme, _stage in rows)
    by_stage = Counter(stage for _programme, stage in rows)
    section = _("専門家派遣")
    unit = pgettext("unit: cases", "件")
    return [
        StatTable(
            "dispatch_by_programme",
            section,
            _("支援メニュー別の申込"),
            unit,
            [(str(label), by_programme.get(value, 0)) for value, label in Programme.choices],
        ),
        StatTable(
            "dispatch_by_stage",
            section,
            _("現在の段階別"),
            unit,
            [(str(label), by_stage.get(value, 0)) for value, label in Stage.choices if by_stage.get(value)],
            note=_("その年度に申し込まれた案件が、集計時点でどの段階にあるかを数えています。"),
        ),
    ]
