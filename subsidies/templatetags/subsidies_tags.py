from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yen(value) -> str:
    """12_500_000 -> "1,250万円"; amounts below 10,000 yen or with a remainder keep every digit."""
    if value in (None, ""):
        return ""
    value = int(value)
    if value >= 10_000 and value % 10_000 == 0:
        return _("%(n)s万円") % {"n": f"{value // 10_000:,}"}
    return _("%(n)s円") % {"n": f"{value:,}"}
