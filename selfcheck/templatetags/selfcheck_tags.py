from decimal import Decimal

from django import template

from ..calculator import ENTRY_LABELS, SOURCE_LABELS, SOURCES
from ..crosscheck import AICHI_CALL_TITLE, TOLERANCE, aichi_check

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
    """A set's factors in the order of the energy sources, each with its label and, where its value agrees with the
    Aichi call's 10,000 t-CO2 table, that agreement (`aichi`; None where it does not agree or the call has no row)."""
    by_source = {f.source: f for f in factor_set.factors.all()}
    rows = []
    for code in SOURCES:
        if code in by_source:
            factor = by_source[code]
            factor.label = SOURCE_LABELS[code]
            check = aichi_check(source=code, unit=factor.unit, t_per_unit=factor.t_per_unit)
            factor.aichi = check if check is not None and check.agrees else None
            rows.append(factor)
    return rows


@register.simple_tag
def aichi_call() -> dict:
    """The Aichi call's title and the tolerance within which a factor is said to agree with its table."""
    return {"title": AICHI_CALL_TITLE, "tolerance_pct": format((TOLERANCE * 100).normalize(), "f")}


@register.filter
def incomplete_rows(sheet) -> list[dict]:
    """Entries with fewer than 12 months and no annual figure (left out of the totals), with their labels."""
    return [{"label": ENTRY_LABELS[code], "months": n} for code, n in sheet.incomplete_months().items()]
