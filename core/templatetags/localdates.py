"""Dates as each language writes them: `{{ value|ldate:"weekday_datetime" }}`.

Japanese pages keep the portal's Japanese forms (2026年4月23日（木） 10:00); English pages get English ones
(Thu 23 Apr 2026, 10:00), weekday and month names included. Registered as a template builtin (settings), so
every template can use it without a load tag. Times stay in the template's time zone, like the `date` filter.
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import translation

register = template.Library()

FORMATS = {
    "date": {"ja": "Y年n月j日", "en": "j M Y"},
    "datetime": {"ja": "Y年n月j日 H:i", "en": "j M Y, H:i"},
    "weekday_date": {"ja": "Y年n月j日（D）", "en": "D j M Y"},
    "weekday_datetime": {"ja": "Y年n月j日（D） H:i", "en": "D j M Y, H:i"},
    "month_day": {"ja": "n月j日", "en": "j M"},
    "month_day_time": {"ja": "n月j日 H:i", "en": "j M, H:i"},
    "weekday_month_day": {"ja": "n月j日（D）", "en": "D j M"},
    "weekday_month_day_time": {"ja": "n月j日（D） H:i", "en": "D j M, H:i"},
    "year_month": {"ja": "Y年n月", "en": "F Y"},
}


def format_for(name: str, language: str | None = None) -> str:
    language = (language or translation.get_language() or "ja").split("-")[0]
    formats = FORMATS[name]
    return formats.get(language, formats["ja"])


@register.filter(expects_localtime=True, is_safe=False)
def ldate(value, name: str = "date") -> str:
    return date_filter(value, format_for(name))
