"""Pure arithmetic of the catalogue: yen as people write them, and a track's estimate within its rules.

No database: callers pass plain numbers and get plain numbers (tested without a database).
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

CHO = 1_000_000_000_000
OKU = 100_000_000
MAN = 10_000


def yen_words(value: int) -> str:
    """150_000_000 -> "1億5,000万円", 15_000_000 -> "1,500万円", 17_500 -> "1万7,500円", 900 -> "900円",
    10**12 -> "1兆円" (never "10,000億円")."""
    value = int(value)
    if value < 0:
        return "-" + yen_words(-value)
    cho, rest = divmod(value, CHO)
    oku, rest = divmod(rest, OKU)
    man, en = divmod(rest, MAN)
    parts = []
    if cho:
        parts.append(f"{cho:,}兆")
    if oku:
        parts.append(f"{oku:,}億")
    if man:
        parts.append(f"{man:,}万")
    if en or not parts:
        parts.append(f"{en:,}")
    return "".join(parts) + "円"


def yen_about(value: int) -> str:
    """An estimate: below 1万円 exact, otherwise rounded down to 1万円 and marked 約 when something was dropped."""
    value = int(value)
    if value < MAN:
        return yen_words(value)
    floored = value - value % MAN
    return ("" if floored == value else "約") + yen_words(floored)


@dataclass(frozen=True)
class Cap:
    min_employees: int
    max_employees: int | None
    max_amount_yen: int

    def covers(self, employees: int) -> bool:
        return employees >= self.min_employees and (self.max_employees is None or employees <= self.max_employees)


@dataclass(frozen=True)
class TrackRules:
    rate_numerator: int | None
    rate_denominator: int | None
    min_amount_yen: int | None
    caps: tuple[Cap, ...]
    eligible_min_employees: int | None = None
    eligible_max_employees: int | None = None


@dataclass(frozen=True)
class Estimate:
    eligible: bool | None  # None: no head-count given, so eligibility is not known
    max_amount_yen: int | None  # the cap for this head-count (or the only cap when it does not depend on it)
    cap_depends_on_employees: bool  # head-count unknown and the caps differ by band
    highest_cap_yen: int | None  # the largest cap of any band: what an estimate is held under without a head-count
    subsidy_yen: int | None  # investment × rate, limited by the cap; None when not eligible or below the minimum
    below_minimum: bool
    min_investment_yen: int | None  # the investment whose subsidy reaches the track's minimum


def _eligible(rules: TrackRules, employees: int | None) -> bool | None:
    if employees is None:
        return None
    if rules.eligible_min_employees is not None and employees < rules.eligible_min_employees:
        return False
    if rules.eligible_max_employees is not None and employees > rules.eligible_max_employees:
        return False
    if rules.caps and not any(cap.covers(employees) for cap in rules.caps):
        return False
    return True


def track_estimate(rules: TrackRules, *, employees: int | None, investment_yen: int | None) -> Estimate:
    """What a company of `employees` people may get from one track for a planned investment."""
    eligible = _eligible(rules, employees)
    amounts = {cap.max_amount_yen for cap in rules.caps}
    highest = max(amounts) if amounts else None
    if employees is not None:
        cap = next((c.max_amount_yen for c in rules.caps if c.covers(employees)), None)
        depends = False
    else:
        cap = highest
        depends = len(amounts) > 1
    has_rate = bool(rules.rate_numerator and rules.rate_denominator)
    min_investment = None
    if has_rate and rules.min_amount_yen:
        needed = Decimal(rules.min_amount_yen) * rules.rate_denominator / rules.rate_numerator
        min_investment = int(needed.to_integral_value(ROUND_CEILING))
    subsidy = None
    below = False
    if has_rate and investment_yen is not None and eligible is not False:
        amount = int(
            (Decimal(investment_yen) * rules.rate_numerator / rules.rate_denominator).to_integral_value(ROUND_DOWN)
        )
        if cap is not None:
            amount = min(amount, cap)
        if rules.min_amount_yen and amount < rules.min_amount_yen:
            below = True
        else:
            subsidy = amount
    return Estimate(
        eligible=eligible,
        max_amount_yen=None if eligible is False or depends else cap,
        cap_depends_on_employees=depends,
        highest_cap_yen=highest,
        subsidy_yen=subsidy,
        below_minimum=below,
        min_investment_yen=min_investment,
    )
