from decimal import Decimal

from django import template

from ..calculator import ENTRY_LABELS, SOURCE_LABELS, SOURCES

register = template.Library()


@register.filter
def factors_used_rows(sheet) -> list[dict]:
    """The sheet's frozen factors, in the order of the energy sources."""
    used = sheet.factors_used or {}
    return [
        {
            "label": SOURCE_LABELS[code],
            "t_per_unit": Decimal(used[code]["t_per_unit"]),
            "unit": used[code]["unit"],
            "scope": used[code]["scope"],
        }
        for code in SOURCES
        if code in used
    ]


@register.filter
def plain(value) -> str:
    """A Decimal as written, without trailing zeros or exponent (0.000423, 2.05, 2.5)."""
    if value is None or value == "":
        return ""
    return format(Decimal(value).normalize(), "f")


@register.filter
def factor_rows(factor_set) -> list:
    """A set's factors in the order of the energy sources, each with its label."""
    by_source = {f.source: f for f in factor_set.factors.all()}
    rows = []
    for code in SOURCES:
        if code in by_source:
            factor = by_source[code]
            factor.label = SOURCE_LABELS[code]
            rows.append(factor)
    return rows


@register.filter
def incomplete_rows(sheet) -> list[dict]:
    """Entries with fewer than 12 months and no annual figure (left out of the totals), with their labels."""
    return [{"label": ENTRY_LABELS[code], "months": n} for code, n in sheet.incomplete_months().items()]
