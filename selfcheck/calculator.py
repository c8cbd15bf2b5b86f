"""Pure calculations of the self-check: CO2 by source and scope, the SBT-for-SMEs check, levels and next actions.

Dataclasses in, dataclasses out, Decimal arithmetic, no database. The emission factors are passed in (they are
data kept in the database, with the bill-unit conversions they need); only the arithmetic between the unit an SME
reads on its bills and the unit of the official factor (kWh, thousand Nm3, t, kL, GJ) is fixed here.
"""

import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

TENTH = Decimal("0.1")
THOUSAND = Decimal(1000)
TWELVE = Decimal(12)

# source code -> (unit of the canonical amount, divisor to reach the unit of the official factor)
SOURCES: dict[str, tuple[str, Decimal]] = {
    "electricity_kwh": ("kWh", Decimal(1)),
    "city_gas_nm3": ("Nm3", THOUSAND),
    "lpg_kg": ("kg", THOUSAND),
    "gasoline_l": ("L", THOUSAND),
    "kerosene_l": ("L", THOUSAND),
    "diesel_l": ("L", THOUSAND),
    "heavy_oil_a_l": ("L", THOUSAND),
    "heat_gj": ("GJ", Decimal(1)),
}
SOURCE_LABELS = {
    "electricity_kwh": _("電気"),
    "city_gas_nm3": _("都市ガス"),
    "lpg_kg": _("LPG（プロパンガス）"),
    "gasoline_l": _("ガソリン"),
    "kerosene_l": _("灯油"),
    "diesel_l": _("軽油"),
    "heavy_oil_a_l": _("A重油"),
    "heat_gj": _("購入した熱（蒸気・温水・冷水）"),
}

# What the SME enters, in the unit of its bills: entry code -> (source it measures, unit shown). City gas and LPG
# bills give m3; city gas m3 is converted through the heat value printed on the bill and the set's standard heat
# value (GJ per thousand Nm3), LPG m3 through the set's kg per m3. Each source is entered in one unit only.
ENTRIES: dict[str, tuple[str, str]] = {
    "electricity_kwh": ("electricity_kwh", "kWh"),
    "city_gas_m3": ("city_gas_nm3", "m³"),
    "city_gas_nm3": ("city_gas_nm3", "Nm³"),
    "lpg_m3": ("lpg_kg", "m³"),
    "lpg_kg": ("lpg_kg", "kg"),
    "gasoline_l": ("gasoline_l", "L"),
    "kerosene_l": ("kerosene_l", "L"),
    "diesel_l": ("diesel_l", "L"),
    "heavy_oil_a_l": ("heavy_oil_a_l", "L"),
    "heat_gj": ("heat_gj", "GJ"),
}
ENTRY_LABELS = {code: SOURCE_LABELS[source] for code, (source, _unit) in ENTRIES.items()}
FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
FIRST_FISCAL_YEAR = 2021  # the self-check computes every 年度 from this one to the current one


def factor_year_note(*, fiscal_year: int, factor_year: int) -> str | None:
    """What every figure computed with another year's factor set says next to it; None when the year's own set was
    used. The substitution is never silent (DOMAIN.md, "Fiscal years and factor sets")."""
    if fiscal_year == factor_year:
        return None
    return str(
        _("%(year)s年度の係数が未登録のため、%(used)s年度の係数で算定") % {"year": fiscal_year, "used": factor_year}
    )


def round_t(value: Decimal) -> Decimal:
    """t-CO2 as shown everywhere (page, API, PDF): 0.1 t, half up."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FactorData:
    source: str
    unit: str  # unit of the official factor, e.g. "kL"
    t_per_unit: Decimal
    scope: int
    gj_per_unit: Decimal | None = None  # city gas: standard heat value, GJ per thousand Nm3
    kg_per_m3: Decimal | None = None  # LPG: kg per m3 as billed


# LPG billed in m3 (DOMAIN.md, "LPG billed in m³"): ANRE's 定期報告書記入要領, as quoted by SMRJ's J-Net21, gives
# propane 1/502 t per m3 and butane 1/355 t per m3 (gas at the national mean temperature less 4 ℃, 1 atm) for use
# when the supplier gives no coefficient of its own. Kept as m3 per t, so that 502 m3 is exactly 1 t.
LPG_M3_PER_T: dict[str, Decimal] = {"propane": Decimal(502), "butane": Decimal(355)}
LPG_GAS_LABELS = {"propane": _("プロパン"), "butane": _("ブタン")}
LPG_DEFAULT_GAS = "propane"
LPG_CONVERSION_SOURCE = _(
    "資源エネルギー庁「エネルギーの使用の合理化等に関する法律 第15条及び第19条の2に基づく定期報告書記入要領」"
    "（J-Net21 省エネQ&A「省エネ法でのLPG(液化石油ガス)の立方メートルからトン(t)への換算について」で紹介）"
)
LPG_SUPPLIER_KG_MIN, LPG_SUPPLIER_KG_MAX = Decimal("0.5"), Decimal(5)  # kg per m3: plausibility, not a factor


@dataclass(frozen=True)
class LpgConversion:
    """How LPG m3 become t: the supplier's coefficient (kg per m3) when entered, else a conversion registered with the
    factor set, else the published one for the gas (propane by default)."""

    basis: str  # "supplier", "factor_set", "propane" or "butane"
    m3_per_t: Decimal | None = None  # the published conversion (502 or 355)
    kg_per_m3_given: Decimal | None = None  # the supplier's or the set's coefficient

    def tonnes(self, m3: Decimal) -> Decimal:
        if self.m3_per_t is not None:
            return m3 / self.m3_per_t
        return m3 * self.kg_per_m3_given / THOUSAND

    @property
    def kg_per_m3(self) -> Decimal:
        """For display (≈ 1.99 for propane)."""
        if self.kg_per_m3_given is not None:
            return self.kg_per_m3_given
        return (THOUSAND / self.m3_per_t).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def description(self) -> str:
        """What the page, the PDF and the API say where the conversion is applied, with its source."""
        if self.basis == "supplier":
            return str(_("LPガス販売店の換算係数 %(kg)s kg/m³（入力値）") % {"kg": _plain(self.kg_per_m3_given)})
        if self.basis == "factor_set":
            return str(_("係数セットに登録された換算値 %(kg)s kg/m³") % {"kg": _plain(self.kg_per_m3_given)})
        return str(
            _("%(gas)s 1/%(n)s t/m³（約%(kg)s kg/m³）。出典：%(source)s")
            % {
                "gas": LPG_GAS_LABELS[self.basis],
                "n": _plain(self.m3_per_t),
                "kg": _plain(self.kg_per_m3),
                "source": LPG_CONVERSION_SOURCE,
            }
        )


def lpg_conversion(
    factors: dict[str, FactorData], *, gas: str = LPG_DEFAULT_GAS, supplier_kg_per_m3: Decimal | None = None
) -> LpgConversion:
    """The supplier's coefficient wins; then a conversion staff registered with the set; then ANRE's for the gas."""
    if supplier_kg_per_m3 is not None:
        return LpgConversion("supplier", kg_per_m3_given=Decimal(supplier_kg_per_m3))
    registered = factors["lpg_kg"].kg_per_m3 if "lpg_kg" in factors else None
    if registered is not None:
        return LpgConversion("factor_set", kg_per_m3_given=registered)
    gas = gas if gas in LPG_M3_PER_T else LPG_DEFAULT_GAS
    return LpgConversion(gas, m3_per_t=LPG_M3_PER_T[gas])


def lpg_supplier_problem(kg_per_m3: Decimal) -> str | None:
    """Why a supplier's coefficient given in kg per m3 is implausible (a message naming the likely unit), or None."""
    value = Decimal(kg_per_m3)
    if LPG_SUPPLIER_KG_MIN <= value <= LPG_SUPPLIER_KG_MAX:
        return None
    if 0 < value < Decimal("0.01"):
        return str(
            _(
                "%(v)s はt/m³の値のようです。kg/m³で入力してください"
                "（t/m³の値を1,000倍すると、kg/m³の値になります：%(kg)s）。"
            )
            % {"v": _plain(value), "kg": _plain(value * THOUSAND)}
        )
    return str(_("LPガスの換算係数は、kg/m³で入力してください（0.5〜5の範囲。プロパンは約1.99、ブタンは約2.82）。"))


class ConversionMissing(ValueError):
    """An entry in m3 cannot be converted: the city gas heat value or the set's standard heat value is missing."""

    def __init__(self, entry: str, message: str) -> None:
        super().__init__(message)
        self.entry = entry
        self.message = message


def conversion_problem(entry: str, factors: dict[str, FactorData], *, city_gas_mj_per_m3: Decimal | None) -> str | None:
    """Why an entry in m3 cannot be converted to the unit of its factor (a message), or None. LPG m3 always can."""
    if entry == "city_gas_m3":
        if city_gas_mj_per_m3 is None:
            return str(_("都市ガスをm³で入力するときは、検針票・請求書に記載の熱量（MJ/m³）も入力してください。"))
        if factors["city_gas_nm3"].gj_per_unit is None:
            return str(_("この係数セットには都市ガスの標準の熱量が登録されていないため、m³では計算できません。"))
    return None


def to_factor_unit(
    entry: str,
    amount: Decimal,
    factors: dict[str, FactorData],
    *,
    city_gas_mj_per_m3: Decimal | None = None,
    lpg: LpgConversion | None = None,
) -> Decimal:
    """An entered amount in the unit of its source's official factor (kWh, thousand Nm3, t, kL, GJ)."""
    problem = conversion_problem(entry, factors, city_gas_mj_per_m3=city_gas_mj_per_m3)
    if problem:
        raise ConversionMissing(entry, problem)
    if entry == "city_gas_m3":
        gigajoules = amount * Decimal(city_gas_mj_per_m3) / THOUSAND
        return gigajoules / factors["city_gas_nm3"].gj_per_unit
    if entry == "lpg_m3":
        return (lpg or lpg_conversion(factors)).tonnes(amount)
    source = ENTRIES[entry][0]
    return amount / SOURCES[source][1]


@dataclass(frozen=True)
class MonthlySummary:
    months_entered: int
    months_total: Decimal | None  # sum of the months entered
    annual: Decimal | None  # the year's amount: only when all twelve months are there, or annualised on request
    annualised: bool

    @property
    def complete(self) -> bool:
        return self.months_entered == 12


def summarise_months(months: dict[int, Decimal | None], *, annualise: bool = False) -> MonthlySummary:
    """April–March months: the sum is the year only when all 12 are entered; fewer give no annual figure unless
    an annualisation (sum x 12 / n) is asked for explicitly, and then it is flagged as such."""
    values = [Decimal(months[m]) for m in FISCAL_MONTHS if months.get(m) is not None]
    if not values:
        return MonthlySummary(0, None, None, False)
    total = sum(values, Decimal(0))
    if len(values) == 12:
        return MonthlySummary(12, total, total, False)
    if annualise:
        return MonthlySummary(len(values), total, total * TWELVE / len(values), True)
    return MonthlySummary(len(values), total, None, False)


@dataclass(frozen=True)
class SourceResult:
    source: str
    label: str
    amount: Decimal
    unit: str
    scope: int
    t_co2: Decimal  # rounded to 0.1 t
    t_co2_exact: Decimal
    entry: str = ""
    factor_amount: Decimal | None = None  # in the factor's unit, after a bill-unit conversion
    factor_unit: str = ""
    months: int | None = None  # entered monthly: how many of the 12 months
    annualised: bool = False


@dataclass(frozen=True)
class Co2Result:
    """None means "not entered" (no amount of that scope was given), which is not the same as 0 t."""

    by_source: list[SourceResult]
    scope1_t: Decimal | None
    scope2_t: Decimal | None  # location-based
    total_t: Decimal | None  # scope 1 + location-based scope 2, rounded once from the exact sum
    total_exact: Decimal | None = None  # what thresholds are tested on
    scope2_market_t: Decimal | None = None
    total_market_t: Decimal | None = None
    parts_differ: bool = False  # rounded rows or scopes do not add up to the rounded total (needs a footnote)
    lpg_conversion: "LpgConversion | None" = None  # how LPG m3 became t, when LPG was entered in m3

    @property
    def entered(self) -> bool:
        return self.total_t is not None

    @property
    def annualised(self) -> bool:
        return any(row.annualised for row in self.by_source)


# A retailer publishes its factor in kg-CO2/kWh (e.g. 0.421). The plausible range is kept wide (no retailer's
# factor comes near 2 kg-CO2/kWh); values that fit another unit are named in the error, not silently converted.
MARKET_KG_MIN = Decimal("0.001")
MARKET_KG_MAX = Decimal(2)


def market_factor_problem(kg_per_kwh: Decimal) -> str | None:
    """Why a market-based electricity factor given in kg-CO2/kWh is implausible (a message), or None if it fits."""
    value = Decimal(kg_per_kwh)
    if value < 0:
        return str(_("0以上の値を入力してください。"))
    if value == 0 or MARKET_KG_MIN <= value <= MARKET_KG_MAX:
        return None
    if value < MARKET_KG_MIN:
        return str(
            _(
                "%(v)s はt-CO2/kWhの値のようです。kg-CO2/kWhで入力してください"
                "（t-CO2/kWhの値を1,000倍すると、kg-CO2/kWhの値になります：%(kg)s）。"
            )
            % {"v": _plain(value), "kg": _plain(value * THOUSAND)}
        )
    if value >= 10:
        return str(
            _(
                "%(v)s はg-CO2/kWhの値のようです。kg-CO2/kWhで入力してください"
                "（g-CO2/kWhの値を1,000で割ると、kg-CO2/kWhの値になります：%(kg)s）。"
            )
            % {"v": _plain(value), "kg": _plain(value / THOUSAND)}
        )
    return str(_("kg-CO2/kWhの値としては大きすぎます（0.001〜2の範囲で入力してください）。"))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


@functools.lru_cache(maxsize=256)
def _label_in(language: str | None, source: str) -> str:
    return str(SOURCE_LABELS[source])


def source_label(source: str, language: str | None = None) -> str:
    """The source's label in the active language, looked up in the catalogue once per language (a lookup costs more
    than the arithmetic of a whole estimate)."""
    return _label_in(language or get_language(), source)


def calculate_co2(
    amounts: dict[str, Decimal | None],
    factors: dict[str, FactorData],
    *,
    market_electricity_kg_per_kwh: Decimal | None = None,
    city_gas_mj_per_m3: Decimal | None = None,
    months: dict[str, int] | None = None,
    annualised: frozenset[str] | set[str] = frozenset(),
    lpg_gas: str = LPG_DEFAULT_GAS,
    lpg_supplier_kg_per_m3: Decimal | None = None,
) -> Co2Result:
    """CO2 of one year's energy use; scope 2 location-based with the set's factor, market-based when given.

    `amounts` maps entry codes (ENTRIES) to annual amounts in the entry's unit. None is "not entered" and
    contributes nothing; 0 is an entered zero. A scope with no entered amount is None, and so is the total when
    nothing at all was entered. An entry in m3 that cannot be converted raises ConversionMissing. LPG in m3 is
    converted with `lpg_conversion` (the supplier's kg per m3, else propane 1/502 or butane 1/355 t per m3).
    """
    lpg = lpg_conversion(factors, gas=lpg_gas, supplier_kg_per_m3=lpg_supplier_kg_per_m3)
    rows: list[SourceResult] = []
    exact: dict[int, Decimal | None] = {1: None, 2: None}
    electricity: Decimal | None = None
    language = get_language()
    for entry, (source, unit) in ENTRIES.items():
        amount = amounts.get(entry)
        if amount is None:
            continue
        amount = Decimal(amount)
        factor = factors[source]
        quantity = to_factor_unit(entry, amount, factors, city_gas_mj_per_m3=city_gas_mj_per_m3, lpg=lpg)
        t = quantity * factor.t_per_unit
        exact[factor.scope] = (exact[factor.scope] or Decimal(0)) + t
        if source == "electricity_kwh":
            electricity = quantity
        rows.append(
            SourceResult(
                source=source,
                label=source_label(source, language),
                amount=amount,
                unit=unit,
                scope=factor.scope,
                t_co2=round_t(t),
                t_co2_exact=t,
                entry=entry,
                factor_amount=quantity if entry in ("city_gas_m3", "lpg_m3") else None,
                factor_unit=factor.unit,
                months=(months or {}).get(entry),
                annualised=entry in annualised,
            )
        )
    if not rows:
        return Co2Result(by_source=[], scope1_t=None, scope2_t=None, total_t=None)
    total_exact = (exact[1] or Decimal(0)) + (exact[2] or Decimal(0))
    market_exact: Decimal | None = None
    if market_electricity_kg_per_kwh is not None and electricity is not None:
        location_electricity = electricity * factors["electricity_kwh"].t_per_unit
        market_electricity = electricity * Decimal(market_electricity_kg_per_kwh) / THOUSAND
        market_exact = (exact[2] or Decimal(0)) - location_electricity + market_electricity
    scope1_t = round_t(exact[1]) if exact[1] is not None else None
    scope2_t = round_t(exact[2]) if exact[2] is not None else None
    total_t = round_t(total_exact)
    parts_differ = (
        any(
            scope_t is not None and sum((r.t_co2 for r in rows if r.scope == scope), Decimal(0)) != scope_t
            for scope, scope_t in ((1, scope1_t), (2, scope2_t))
        )
        or (scope1_t or Decimal(0)) + (scope2_t or Decimal(0)) != total_t
    )
    return Co2Result(
        by_source=rows,
        scope1_t=scope1_t,
        scope2_t=scope2_t,
        total_t=total_t,
        total_exact=total_exact,
        scope2_market_t=round_t(market_exact) if market_exact is not None else None,
        total_market_t=round_t((exact[1] or Decimal(0)) + market_exact) if market_exact is not None else None,
        parts_differ=parts_differ,
        lpg_conversion=lpg if any(row.entry == "lpg_m3" for row in rows) else None,
    )


# --- SBT for SMEs ------------------------------------------------------------------------------------------------

SBT_LIMIT_T = Decimal(10_000)
SBT_EMPLOYEES_LIMIT = 250
SBT_REVENUE_EUR = Decimal(50_000_000)
SBT_ASSETS_EUR = Decimal(25_000_000)
DEFAULT_JPY_PER_EUR = Decimal(184)


SBT_LIKELY = _("入力内容からは要件を満たす見込みです（認定はSBTiの審査によります）")


@dataclass(frozen=True)
class SbtInput:
    scope1_2_t: Decimal | None  # exact (unrounded); None when no energy use was entered
    employees: int
    revenue_yen: int
    total_assets_yen: int
    # the three mandatory questions: None is "not answered yet", which never counts as met
    financial_or_oil_gas: bool | None
    sector_specific_method_required: bool | None
    parent_under_standard_sbt: bool | None
    flag_sector: bool
    emissions_annualised: bool = False  # some month of the emissions is an annualised estimate


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    mandatory: bool
    passed: bool | None  # None: cannot be judged (data missing, or the question not answered)


@dataclass(frozen=True)
class SbtResult:
    eligible: bool | None  # None: cannot be judged, because a missing figure or answer could decide it
    mandatory_passed: bool | None
    size_passed: int
    criteria: list[Criterion]
    revenue_limit_yen: int
    assets_limit_yen: int
    jpy_per_eur: Decimal
    emissions_t: Decimal | None = None  # the exact value the 10,000 t test used
    rounding_note: bool = False  # shown rounded it reads 10,000.0 or more, yet the exact value is below the limit
    annualised_estimate: bool = False  # the emissions include an annualised estimate: the verdict says so

    @property
    def undecided(self) -> bool:
        return self.eligible is None

    @property
    def unanswered(self) -> list[Criterion]:
        """Mandatory questions the SME has not answered (the emissions figure is not a question)."""
        return [c for c in self.criteria if c.mandatory and c.passed is None and c.code != "emissions"]

    @property
    def emissions_missing(self) -> bool:
        return self.emissions_t is None

    @property
    def verdict(self) -> str:
        """The one sentence the page, the PDF and the API give: a likely result, never a certification."""
        if self.eligible:
            return str(SBT_LIKELY)
        if self.eligible is False:
            return str(_("入力内容からは、中小企業版SBTの要件を満たしていません。"))
        reasons = []
        if self.emissions_missing:
            reasons.append(str(_("エネルギー使用量が入力されていない")))
        if self.unanswered:
            reasons.append(
                str(_("必須の要件のうち%(n)s項目が未回答（未回答は満たすとはみなしません）"))
                % {"n": len(self.unanswered)}
            )
        return str(_("%(reasons)sため、中小企業版SBTの要件を満たすかどうかは判定できません。")) % {
            "reasons": "、".join(reasons)
        }


def _not(answer: bool | None) -> bool | None:
    return None if answer is None else not answer


def check_sbt_sme(data: SbtInput, *, jpy_per_eur: Decimal = DEFAULT_JPY_PER_EUR) -> SbtResult:
    """All four mandatory criteria and at least three of the four size criteria (SBTi SME route).

    The 10,000 t test is made on the exact value, never on the rounded one. Without emissions, or with a mandatory
    question unanswered, it cannot be judged: the result is then "undecided" unless another criterion already rules
    the company out. A positive result is a likely one (SBTi decides), and says so when the emissions include an
    annualised estimate.
    """
    revenue_limit = int(SBT_REVENUE_EUR * jpy_per_eur)
    assets_limit = int(SBT_ASSETS_EUR * jpy_per_eur)
    emissions = None if data.scope1_2_t is None else Decimal(data.scope1_2_t)
    criteria = [
        Criterion(
            "emissions",
            str(_("Scope 1とロケーション基準のScope 2の合計が10,000 t-CO2e未満")),
            True,
            None if emissions is None else emissions < SBT_LIMIT_T,
        ),
        Criterion("sector", str(_("金融機関・石油ガスのセクターではない")), True, _not(data.financial_or_oil_gas)),
        Criterion(
            "sector_method",
            str(_("SBTiのセクター別手法での目標設定を求められていない")),
            True,
            _not(data.sector_specific_method_required),
        ),
        Criterion(
            "parent", str(_("通常版SBTの対象となる親会社の子会社ではない")), True, _not(data.parent_under_standard_sbt)
        ),
        Criterion(
            "employees",
            str(_("従業員（パートタイマーを含む）が250人未満")),
            False,
            data.employees < SBT_EMPLOYEES_LIMIT,
        ),
        Criterion("revenue", str(_("売上高が5,000万ユーロ未満")), False, data.revenue_yen < revenue_limit),
        Criterion("assets", str(_("総資産が2,500万ユーロ未満")), False, data.total_assets_yen < assets_limit),
        Criterion("flag", str(_("森林・土地・農業（FLAG）セクターではない")), False, not data.flag_sector),
    ]
    mandatory = [c.passed for c in criteria if c.mandatory]
    mandatory_passed = False if False in mandatory else (None if None in mandatory else True)
    size_passed = sum(1 for c in criteria if not c.mandatory and c.passed)
    if mandatory_passed is False or size_passed < 3:
        eligible: bool | None = False
    else:
        eligible = mandatory_passed
    return SbtResult(
        eligible=eligible,
        mandatory_passed=mandatory_passed,
        size_passed=size_passed,
        criteria=criteria,
        revenue_limit_yen=revenue_limit,
        assets_limit_yen=assets_limit,
        jpy_per_eur=jpy_per_eur,
        emissions_t=emissions,
        rounding_note=emissions is not None and emissions < SBT_LIMIT_T <= round_t(emissions),
        annualised_estimate=data.emissions_annualised and emissions is not None,
    )


# --- Step 2 catalogue: the six families of energy-saving measures -------------------------------------------------

FAMILIES: list[tuple[str, str, str]] = [
    ("yameru", "ヤメル", _("不要なものをやめる")),
    ("sageru", "サゲル", _("設定を下げる・緩める")),
    ("naosu", "ナオス", _("漏れや劣化を直す")),
    ("tomeru", "トメル", _("使っていない設備を止める")),
    ("kaeru", "カエル", _("高効率な設備に替える")),
    ("hirou", "ヒロウ", _("捨てている熱を拾う")),
]
LOW_COST_FAMILIES = ("yameru", "tomeru")

MEASURES: list[tuple[str, str, str]] = [
    ("yameru_lighting", "yameru", _("照明の間引き・不要な照明の撤去")),
    ("yameru_standby", "yameru", _("待機電力のカット（夜間・休日の主電源オフ）")),
    ("yameru_piping", "yameru", _("使っていない配管・ダクトの撤去や短縮")),
    ("sageru_air_pressure", "sageru", _("コンプレッサーの吐出圧力の見直し")),
    ("sageru_temperature", "sageru", _("空調・加熱の設定温度の見直し")),
    ("sageru_pump_flow", "sageru", _("ポンプ・ファンの流量の適正化")),
    ("naosu_air_leak", "naosu", _("エア漏れ・蒸気漏れの点検と補修")),
    ("naosu_insulation", "naosu", _("配管・炉・建物の断熱の補修")),
    ("naosu_filter", "naosu", _("フィルターの清掃・交換")),
    ("tomeru_compressor", "tomeru", _("休憩・昼休み中のコンプレッサーや設備の停止")),
    ("tomeru_empty_room", "tomeru", _("無人の部屋の照明・空調の停止")),
    ("tomeru_sensor", "tomeru", _("人感センサー・タイマーによる自動停止")),
    ("kaeru_led", "kaeru", _("LED照明への更新")),
    ("kaeru_inverter", "kaeru", _("インバーター・高効率モーターの導入")),
    ("kaeru_heat_pump", "kaeru", _("ヒートポンプ・トップランナー機器への更新")),
    ("hirou_exhaust_heat", "hirou", _("排熱の回収・再利用")),
    ("hirou_preheat", "hirou", _("温排水や排気による予熱")),
]
MEASURE_FAMILY = {code: family for code, family, _label in MEASURES}

DONE, PLANNED, NOT_YET, NOT_APPLICABLE = "done", "planned", "not_yet", "na"
MEASURE_STATUSES = [
    (DONE, _("実施済み")),
    (PLANNED, _("予定あり")),
    (NOT_YET, _("未実施")),
    (NOT_APPLICABLE, _("該当しない")),
]

AWARENESS: list[tuple[str, str]] = [
    ("peer_cases", _("他の中小企業の取り組み事例を調べたことがある")),
    ("energy_diagnosis", _("外部の省エネ診断を受けたことがある")),
    ("knows_sbt_re_action", _("SBTや再エネ100宣言 RE Actionを知っている")),
    ("customer_asked", _("取引先からCO2排出量を求められたことがある")),
]


# --- Levels and next actions -------------------------------------------------------------------------------------

LEVEL_LABELS = {0: _("未着手"), 1: _("取り組み始め"), 2: _("十分")}
OVERALL_LABELS = {
    1: _("レベル1：これから"),
    2: _("レベル2：取り組み中"),
    3: _("レベル3：着実に前進"),
    4: _("レベル4：先進的"),
}


@dataclass(frozen=True)
class SheetAnswers:
    has_amounts: bool
    has_detail: bool  # monthly figures or a market-based electricity factor
    measures: dict[str, str] = field(default_factory=dict)
    awareness: dict[str, bool] = field(default_factory=dict)
    has_target: bool = False
    has_roadmap: bool = False
    has_person: bool = False
    sbt_eligible: bool | None = None


@dataclass(frozen=True)
class NextAction:
    priority: int
    code: str
    title: str
    text: str
    target: str  # a portal destination key: "step1", "consultations", "seminars", "subsidies:<step>"


@dataclass(frozen=True)
class Assessment:
    step1: int
    step2: int
    step3: int
    overall: int
    overall_label: str
    done_ratio: Decimal
    actions: list[NextAction]


def assess(answers: SheetAnswers) -> Assessment:
    """A level (0–2) per step, an overall level (1–4) and the next actions, most urgent first."""
    step1 = 0 if not answers.has_amounts else (2 if answers.has_detail else 1)
    applicable = [s for s in answers.measures.values() if s in (DONE, PLANNED, NOT_YET)]
    done = [s for s in applicable if s == DONE]
    ratio = Decimal(len(done)) / Decimal(len(applicable)) if applicable else Decimal(0)
    step2 = 0 if ratio < Decimal("0.25") else (1 if ratio < Decimal("0.6") else 2)
    step3 = 0 if not answers.has_target else (2 if answers.has_roadmap and answers.has_person else 1)
    total = step1 + step2 + step3
    overall = 1 if total <= 1 else 2 if total <= 3 else 3 if total <= 5 else 4

    actions: list[NextAction] = []
    if not answers.has_amounts:
        actions.append(
            NextAction(
                10,
                "measure",
                str(_("まずはエネルギー使用量を把握しましょう")),
                str(_("電気やガス、燃料の請求書から1年分の使用量を入力すると、CO2排出量がわかります。")),
                "step1",
            )
        )
    low_cost_open = [
        code
        for code, status in answers.measures.items()
        if MEASURE_FAMILY.get(code) in LOW_COST_FAMILIES and status in (NOT_YET, PLANNED)
    ]
    if low_cost_open or (not answers.measures):
        actions.append(
            NextAction(
                20,
                "low_cost",
                str(_("費用のかからない「ヤメル」「トメル」から始めましょう")),
                str(_("不要な照明や待機電力、使っていない設備の停止は、投資なしで効果が出ます。")),
                "seminars",
            )
        )
    if answers.awareness.get("customer_asked"):
        actions.append(
            NextAction(
                15,
                "supply_chain",
                str(_("サプライチェーン対応の相談を予約しましょう")),
                str(_("取引先から排出量を求められたときの答え方を、専門家と一緒に整理できます。")),
                "consultations",
            )
        )
    if not answers.awareness.get("energy_diagnosis"):
        actions.append(
            NextAction(
                30,
                "diagnosis",
                str(_("省エネ診断を受けてみましょう")),
                str(_("外部の専門家に設備を見てもらうと、削減の余地が具体的にわかります。")),
                "subsidies:measure",
            )
        )
    kaeru_open = [
        c for c, s in answers.measures.items() if MEASURE_FAMILY.get(c) == "kaeru" and s in (NOT_YET, PLANNED)
    ]
    if kaeru_open:
        actions.append(
            NextAction(
                40,
                "invest",
                str(_("設備更新には補助金を活用しましょう")),
                str(_("高効率設備への更新は、省エネ補助金や税制の対象になることがあります。")),
                "subsidies:reduce",
            )
        )
    if answers.has_amounts and not answers.has_target:
        actions.append(
            NextAction(
                35,
                "target",
                str(_("削減目標と計画を立てましょう")),
                str(_("基準年と目標年、削減率を決めると、取り組みの優先順位がはっきりします。")),
                "step3",
            )
        )
    if answers.sbt_eligible:
        actions.append(
            NextAction(
                50,
                "sbt",
                str(_("中小企業版SBTの認定申請を検討しましょう")),
                str(
                    _(
                        "入力内容からは要件を満たす見込みです（認定はSBTiの審査によります）。目標の立て方と申請の進め方を相談できます。"
                    )
                ),
                "consultations",
            )
        )
    if not answers.awareness.get("peer_cases"):
        actions.append(
            NextAction(
                60,
                "peer_cases",
                str(_("他社の事例を知りましょう")),
                str(_("セミナーでは同じ業種の中小企業の取り組みを紹介しています。")),
                "seminars",
            )
        )
    # Always offered, last: SMRJ's on-site CO2 diagnosis, as described by the 九州本部 leaflet (reference/001).
    actions.append(
        NextAction(
            90,
            "site_diagnosis",
            str(_("専門家に現場を見てもらう（診断・助言）")),
            str(
                _(
                    "中小機構の専門家が事業所や工場を訪ね、CO2排出量の算定と削減目標づくりを支援します"
                    "（3回まで無料。中小機構 九州本部の案内による内容です）。"
                )
            ),
            "dispatch:diagnosis",
        )
    )
    actions.sort(key=lambda a: a.priority)
    return Assessment(
        step1=step1,
        step2=step2,
        step3=step3,
        overall=overall,
        overall_label=str(OVERALL_LABELS[overall]),
        done_ratio=ratio,
        actions=actions,
    )
