"""The one way to turn an aware datetime into what a person sees or downloads: Japan Standard Time.

Every page, CSV, PDF, mail, .ics summary, admin title and message goes through these helpers, so that a
time stored in UTC can never reach a person unconverted (a 00:00–09:00 JST slip shows up as the wrong day).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Case, F, IntegerField, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

JST = ZoneInfo("Asia/Tokyo")
# How dates and times read in Japanese mails and messages.
JA_DATE = "%Y年%m月%d日"
JA_DATETIME = "%Y年%m月%d日 %H:%M"


def to_jst(value: dt.datetime) -> dt.datetime:
    """The same instant in Asia/Tokyo; naive values are refused rather than guessed."""
    if timezone.is_naive(value):
        raise ValueError("naive datetime: store and pass aware datetimes only")
    return value.astimezone(JST)


def jst_now() -> dt.datetime:
    return to_jst(timezone.now())


def jst_today() -> dt.date:
    return jst_now().date()


def jst_date(value: dt.datetime) -> dt.date:
    """The calendar day in Japan on which an instant falls."""
    return to_jst(value).date()


def format_jst(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """strftime in JST; empty string for a missing value (a CSV cell, a mail line)."""
    if value is None:
        return ""
    return to_jst(value).strftime(fmt)


def format_jst_date(value: dt.datetime | dt.date | None, fmt: str = "%Y-%m-%d") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_jst(value, fmt)
    return value.strftime(fmt)


# --- 年度: the Japanese fiscal year, April to March in JST ------------------------------------------------------


def fiscal_year_of(value: dt.datetime | dt.date) -> int:
    """The 年度 (April–March) of a day in Japan, or of an instant (taken in JST): 2027-03-31 → 2026, 2027-04-01 → 2027."""
    day = jst_date(value) if isinstance(value, dt.datetime) else value
    return day.year if day.month >= 4 else day.year - 1


def current_fiscal_year() -> int:
    """The 年度 of today in JST."""
    return fiscal_year_of(jst_today())


def last_complete_fiscal_year() -> int:
    """The last 年度 whose twelve months are over (in December 2026: 2025), the year an SME has all bills for."""
    return current_fiscal_year() - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.datetime, dt.datetime]:
    """The 年度 as aware instants [April 1 00:00 JST, next April 1 00:00 JST), for filtering stored datetimes."""
    return (
        dt.datetime(fiscal_year, 4, 1, tzinfo=JST),
        dt.datetime(fiscal_year + 1, 4, 1, tzinfo=JST),
    )


FIRST_STATISTICS_FISCAL_YEAR = 2021  # the portal's first 年度 (CN consultation window opened 2021-10-19)


def annotate_fiscal_year(queryset, field: str, *, name: str = "fiscal_year"):
    """The queryset with `name`: the 年度 (April–March) of a stored datetime taken in JST, computed by the database
    (a booking at 2027-04-01 00:30 JST, still March 31 in UTC, is in 2027年度)."""
    month, year = f"_{name}_month", f"_{name}_year"
    return queryset.annotate(**{month: ExtractMonth(field, tzinfo=JST), year: ExtractYear(field, tzinfo=JST)}).annotate(
        **{name: Case(When(**{f"{month}__gte": 4}, then=F(year)), default=F(year) - 1, output_field=IntegerField())}
    )


def fiscal_year_choices(*, first: int = FIRST_STATISTICS_FISCAL_YEAR) -> list[tuple[int, str]]:
    """Every 年度 from `first` to the current one, newest first, labelled with its months."""
    return [
        (year, _("%(y)s年度（%(y)s年4月〜%(next)s年3月）") % {"y": year, "next": year + 1})
        for year in range(current_fiscal_year(), first - 1, -1)
    ]
