from django import template

from core.jst import JA_DATE, JA_DATETIME, format_jst

register = template.Library()


@register.filter
def jst(value, fmt: str = JA_DATETIME) -> str:
    """An aware datetime as Japan Standard Time (core.jst), for every time these pages show."""
    return format_jst(value, fmt)


@register.filter
def jst_day(value) -> str:
    return format_jst(value, JA_DATE)
