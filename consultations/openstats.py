"""What consultations publish in the open statistics (core.openstats): counts per 年度, never a company."""

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.choices import PREFECTURE_REGION, Industry, Region
from core.jst import fiscal_year_bounds
from core.openstats import StatTable, provider

from .models import Booking, BookingStatus, Topic


@provider
def consultation_tables(fiscal_year: int) -> list[StatTable]:
    """Consultations held or booked in the year (cancelled ones left out), by topic, industry and region."""
    start, end = fiscal_year_bounds(fiscal_year)
    rows = list(
        Booking.objects.filter(start__gte=start, start__lt=end)
        .exclude(status__in=[BookingStatus.CANCELLED, BookingStatus.HELD, BookingStatus.EXPIRED])
        .values_list("topics", "company_industry", "company__prefecture")
    )
    section = _("CN相談")
    by_topic = Counter(topic for topics, _industry, _pref in rows for topic in topics)
    by_industry = Counter(industry for _topics, industry, _pref in rows)
    by_region = Counter(PREFECTURE_REGION.get(pref or "", "") for _topics, _industry, pref in rows)
    unit = pgettext("unit: consultations", "件")
    return [
        StatTable("consultations_total", section, _("相談件数（キャンセルを除く）"), unit, [(_("相談"), len(rows))]),
        StatTable(
            "consultations_by_topic",
            section,
            _("相談分野別"),
            unit,
            [(str(label), by_topic.get(value, 0)) for value, label in Topic.choices],
            note=_("1件の相談で複数の分野を選べるため、合計は相談件数と一致しません。"),
        ),
        StatTable(
            "consultations_by_industry",
            section,
            _("業種別（予約時の業種）"),
            unit,
            [(str(label), by_industry.get(value, 0)) for value, label in Industry.choices],
        ),
        StatTable(
            "consultations_by_region",
            section,
            _("地域別（企業の所在地）"),
            unit,
            [(str(label), by_region.get(value, 0)) for value, label in Region.choices]
            + ([(_("不明"), by_region[""])] if by_region.get("") else []),
        ),
    ]
