from django import template

from core.jst import format_jst

register = template.Library()


@register.filter
def jst(value, fmt: str = "%Y年%m月%d日 %H:%M") -> str:
    """An aware datetime as Japan Standard Time (core.jst), for every time these pages show."""
    return format_jst(value, fmt)


@register.filter
def jst_day(value) -> str:
    return format_jst(value, "%Y年%m月%d日")
