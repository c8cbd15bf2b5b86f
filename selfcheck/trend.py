"""Pure calculations of the yearly cycle: a company's CO2 across its 年度, the change against the base year it picked,
and the SBTi SME route's target path to 2030.

Dataclasses in, dataclasses out, Decimal arithmetic, no database (as selfcheck/calculator.py). A year whose total is
not entered stays None everywhere: it is never drawn or counted as zero.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .calculator import round_t

HUNDRED = Decimal(100)
# SBTi's SME route: near-term absolute Scope 1+2 targets to be reached by 2030 (shared/DOMAIN.md, "SBT for SMEs").
SBT_SME_TARGET_YEAR = 2030


def _pct(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class YearTotal:
    fiscal_year: int
    total_t: Decimal | None  # Scope 1+2 in t-CO2; None: not entered (no sheet, or a sheet without amounts)


@dataclass(frozen=True)
class TrendRow:
    fiscal_year: int
    total_t: Decimal | None
    change_t: Decimal | None  # against the base year; None when this year or the base is not entered
    change_pct: Decimal | None  # None also when the base is 0 t (no percentage of nothing)
    is_base: bool


@dataclass(frozen=True)
class Trend:
    rows: tuple[TrendRow, ...]
    base_year: int | None
    base_t: Decimal | None  # None: no base year picked, or its total is not entered

    @property
    def entered(self) -> tuple[TrendRow, ...]:
        return tuple(row for row in self.rows if row.total_t is not None)

    @property
    def base_missing(self) -> bool:
        """A base year is picked but its emissions are not entered: no change can be given."""
        return self.base_year is not None and self.base_t is None


def build_trend(totals: Sequence[YearTotal], *, base_year: int | None, base_t: Decimal | None = None) -> Trend:
    """Every year from the first to the last given, in order (a year between without a sheet is a "not entered" row),
    each with its change against the base year. `base_t` is the base year's emissions when the company has no sheet
    for that year but entered the figure itself (step 3); a total of a sheet for the base year comes first."""
    by_year = {item.fiscal_year: item.total_t for item in totals}
    if by_year:
        years = range(min(by_year), max(by_year) + 1)
    else:
        years = range(0)
    if base_year is not None and by_year.get(base_year) is not None:
        base_t = by_year[base_year]
    if base_year is None:
        base_t = None
    rows = []
    for year in years:
        total = by_year.get(year)
        change_t = change_pct = None
        if total is not None and base_t is not None:
            change_t = round_t(total - base_t)
            if base_t != 0:
                change_pct = _pct((total - base_t) / base_t * HUNDRED)
        rows.append(
            TrendRow(
                fiscal_year=year, total_t=total, change_t=change_t, change_pct=change_pct, is_base=year == base_year
            )
        )
    return Trend(rows=tuple(rows), base_year=base_year, base_t=base_t)


@dataclass(frozen=True)
class PathPoint:
    fiscal_year: int
    target_t: Decimal  # on the straight path from the base year to the target year
    actual_t: Decimal | None  # None: not entered
    above_path: bool | None  # None when not entered


@dataclass(frozen=True)
class TargetPath:
    base_year: int
    base_t: Decimal
    target_year: int
    reduction_pct: Decimal
    target_t: Decimal  # the 2030 emissions the reduction leads to
    points: tuple[PathPoint, ...]


def target_path(
    *,
    base_year: int | None,
    base_t: Decimal | None,
    reduction_pct: Decimal | None,
    actual: dict[int, Decimal | None],
    target_year: int = SBT_SME_TARGET_YEAR,
) -> TargetPath | None:
    """The absolute Scope 1+2 path from the base year's emissions down by `reduction_pct` % in the target year,
    straight (the same tonnes every year), with the actual totals beside it. None when the rate is not set, the base
    year or its emissions are not entered, or the base year is not before the target year."""
    if reduction_pct is None or base_year is None or base_t is None or base_year >= target_year:
        return None
    if not Decimal(0) < reduction_pct <= HUNDRED:
        return None
    goal = base_t * (HUNDRED - reduction_pct) / HUNDRED
    span = target_year - base_year
    last_actual = max((y for y, v in actual.items() if v is not None), default=base_year)
    points = []
    for year in range(base_year, max(target_year, last_actual) + 1):
        step = min(year - base_year, span)
        target = round_t(base_t - (base_t - goal) * step / span)
        value = actual.get(year)
        points.append(
            PathPoint(
                fiscal_year=year,
                target_t=target,
                actual_t=value,
                above_path=None if value is None else value > target,
            )
        )
    return TargetPath(
        base_year=base_year,
        base_t=base_t,
        target_year=target_year,
        reduction_pct=reduction_pct,
        target_t=round_t(goal),
        points=tuple(points),
    )
