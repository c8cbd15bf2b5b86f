"""Whether a factor agrees with the Aichi call's table of the annual energy use that equals 10,000 t-CO2.

reference/004, 愛知県「令和8年度中小企業脱炭素経営強化促進事業 募集要項」, note ※2: 「CO₂ 排出量が 10,000t となる
場合の年間エネルギー使用量の目安」. 10,000 t divided by that amount is the factor the table implies. The call rounds
each amount (「約」, three or four figures) and the factors are stored to three figures, so together they can differ by
about 0.5 % without any disagreement; a factor within 1 % of the implied value agrees. The page says so only where a
stored value agrees: a changed value loses the claim by itself. Pure: no database, Decimal only.
"""

from dataclasses import dataclass
from decimal import Decimal

# The document's title as reference/004 writes it (its first line).
AICHI_CALL_TITLE = "令和8年度中小企業脱炭素経営強化促進事業 募集要項"
BENCHMARK_T = Decimal(10_000)
TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class Benchmark:
    quoted: str  # the row as the call gives it
    amount: Decimal  # the amount in `unit`
    unit: str  # the factor unit the amount is given in


# energy source -> the call's row; the call has no row for kerosene or purchased heat
AICHI_BENCHMARKS = {
    "electricity_kwh": Benchmark("電気 約23,750千kWh", Decimal(23_750_000), "kWh"),
    "city_gas_nm3": Benchmark("都市ガス 約4,880千Nm3", Decimal(4_880), "千Nm3"),
    "lpg_kg": Benchmark("LPG 約3,340t", Decimal(3_340), "t"),
    "gasoline_l": Benchmark("ガソリン 約4,370kL", Decimal(4_370), "kL"),
    "heavy_oil_a_l": Benchmark("A重油 約3,630kL", Decimal(3_630), "kL"),
    "diesel_l": Benchmark("軽油 約3,820kL", Decimal(3_820), "kL"),
}


@dataclass(frozen=True)
class AichiCheck:
    benchmark: Benchmark
    implied: Decimal  # t-CO2 per unit: 10,000 t / the call's amount
    deviation: Decimal  # (stored - implied) / implied

    @property
    def agrees(self) -> bool:
        return abs(self.deviation) <= TOLERANCE

    @property
    def implied_display(self) -> str:
        return f"{self.implied:.4g}"

    @property
    def deviation_pct_display(self) -> str:
        return f"{self.deviation * 100:+.2f}"


def aichi_check(*, source: str, unit: str, t_per_unit: Decimal) -> AichiCheck | None:
    """The comparison with the call's row for this energy source, or None where the call has no row in this unit."""
    benchmark = AICHI_BENCHMARKS.get(source)
    if benchmark is None or benchmark.unit != unit:
        return None
    implied = BENCHMARK_T / benchmark.amount
    return AichiCheck(benchmark=benchmark, implied=implied, deviation=(Decimal(t_per_unit) - implied) / implied)
