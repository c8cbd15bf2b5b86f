from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from subsidies.amounts import MAN, yen_about, yen_words
from subsidies.selectors import measure_stale_list

register = template.Library()


def _japanese() -> bool:
    return (get_language() or "ja").startswith("ja")


@register.filter
def yen(value) -> str:
    """An amount as people write it: 150_000_000 -> "1億5,000万円", 12_500_000 -> "1,250万円"."""
    if value in (None, ""):
        return ""
    value = int(value)
    if _japanese():
        return yen_words(value)
    return _("%(n)s円") % {"n": f"{value:,}"}


@register.filter
def yen_estimate(value) -> str:
    """An estimate, rounded down to 1万円: 13_333_333 -> "約1,333万円"."""
    if value in (None, ""):
        return ""
    value = int(value)
    if _japanese():
        return yen_about(value)
    floored = value if value < MAN else value - value % MAN
    return _("約%(n)s円") % {"n": f"{floored:,}"}


@register.simple_tag
def measures_to_check_count() -> int:
    """How many measures staff have not checked within a year (or ever): the flag on the staff's page."""

    return measure_stale_list().count()
