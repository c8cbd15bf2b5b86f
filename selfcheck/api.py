"""Public JSON API of the self-check: the CO2 estimate and the SBT-for-SMEs check."""

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from core.errors import ApplicationError
from core.jst import current_fiscal_year

from . import selectors, services
from .calculator import ConversionMissing, SbtInput, calculate_co2, check_sbt_sme, market_factor_problem
from .models import MAX_AMOUNT

router = Router(tags=["selfcheck"])


# The estimate's models are plain pydantic: django-ninja's Schema wraps each validation in a validator for reading ORM
# objects, which cost more than the calculation (measured: docs/cache.md).
class EstimateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    electricity_kwh: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="電気（kWh）"
    )
    city_gas_nm3: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="都市ガス（Nm3）"
    )
    lpg_kg: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="LPG（kg）")
    gasoline_l: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="ガソリン（L）"
    )
    kerosene_l: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="灯油（L）")
    diesel_l: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="軽油（L）")
    heavy_oil_a_l: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="A重油（L）"
    )
    city_gas_m3: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="都市ガス（m³、請求書の単位。熱量が必要）"
    )
    city_gas_mj_per_m3: Decimal | None = Field(
        default=None, gt=0, le=1000, allow_inf_nan=False, description="都市ガスの熱量（MJ/m³、検針票・請求書に記載）"
    )
    lpg_m3: Decimal | None = Field(
        default=None,
        ge=0,
        le=MAX_AMOUNT,
        allow_inf_nan=False,
        description="LPG（m³、請求書の単位。係数セットにm³→kg換算値があるときだけ計算）",
    )
    heat_gj: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False, description="購入した熱（GJ）"
    )
    market_electricity_kg_per_kwh: Decimal | None = Field(
        default=None,
        ge=0,
        le=MAX_AMOUNT,
        allow_inf_nan=False,
        description="電力会社の排出係数（kg-CO2/kWh、電力会社が公表している値。例：0.421）",
    )
    fiscal_year: int | None = Field(
        default=None,
        ge=2000,
        le=2100,
        strict=True,
        description="年度（その年度の最新の係数セットで計算。省略時は今年度。係数セットのない年度は400）",
    )


class SourceOut(BaseModel):
    source: str
    entry: str = Field(description="入力項目（city_gas_m3 など、入力した単位）")
    label: str
    amount: float
    unit: str
    scope: int
    t_co2: float


class FactorSetOut(BaseModel):
    name: str
    fiscal_year: int
    version: int
    source: str
    publication: str
    url: str


class EstimateOut(BaseModel):
    """null means "not entered" (no amount of that scope was given), which is not 0 t."""

    scope1_t: float | None
    scope2_t: float | None
    total_t: float | None
    total_t_exact: str | None = Field(description="四捨五入する前の合計（しきい値の判定に使う値）")
    scope2_market_t: float | None
    total_market_t: float | None
    parts_differ: bool = Field(description="四捨五入した内訳の和が合計と一致しない（注記が必要）")
    by_source: list[SourceOut]
    factor_set: FactorSetOut


class SbtIn(Schema):
    model_config = ConfigDict(extra="forbid")

    scope1_2_t: Decimal | None = Field(
        ge=0,
        le=MAX_AMOUNT,
        allow_inf_nan=False,
        description="Scope 1+2（ロケーション基準）t-CO2、四捨五入する前の値。null は未入力（判定できない）",
    )
    employees: int = Field(ge=0, le=10_000_000, strict=True, description="従業員数（パートタイマーを含む）")
    revenue_yen: int = Field(ge=0, le=10**16, strict=True, description="売上高（円）")
    total_assets_yen: int = Field(ge=0, le=10**16, strict=True, description="総資産（円）")
    financial_or_oil_gas: StrictBool = Field(False, description="金融機関または石油・ガスのセクターである")
    sector_specific_method_required: StrictBool = Field(
        False, description="SBTiのセクター別手法での目標設定を求められている"
    )
    parent_under_standard_sbt: StrictBool = Field(False, description="通常版SBTの対象となる親会社の子会社である")
    flag_sector: StrictBool = Field(False, description="森林・土地・農業（FLAG）セクターである")


class CriterionOut(Schema):
    code: str
    label: str
    mandatory: bool
    passed: bool | None = Field(description="null は判定できない（未入力）")


class SbtOut(Schema):
    eligible: bool | None = Field(description="null は判定できない（排出量が未入力）")
    mandatory_passed: bool | None
    size_passed: int
    criteria: list[CriterionOut]
    jpy_per_eur: float
    revenue_limit_yen: int
    assets_limit_yen: int


@router.post("/estimate", response=EstimateOut, summary="年間のエネルギー使用量からCO2排出量を計算する")
def estimate(request: HttpRequest, payload: EstimateIn) -> dict:
    fiscal_year = payload.fiscal_year if payload.fiscal_year is not None else current_fiscal_year()
    factor_set, factors = selectors.factors_cached(fiscal_year=fiscal_year)
    market = payload.market_electricity_kg_per_kwh
    if market is not None and (problem := market_factor_problem(market)):
        raise ApplicationError(problem, field="market_electricity_kg_per_kwh")
    amounts = payload.model_dump(exclude={"fiscal_year", "market_electricity_kg_per_kwh", "city_gas_mj_per_m3"})
    services.check_one_unit_per_source(amounts, {})
    try:
        result = calculate_co2(
            amounts, factors, market_electricity_kg_per_kwh=market, city_gas_mj_per_m3=payload.city_gas_mj_per_m3
        )
    except ConversionMissing as error:
        field = (
            "city_gas_mj_per_m3" if error.entry == "city_gas_m3" and payload.city_gas_mj_per_m3 is None else error.entry
        )
        raise ApplicationError(error.message, field=field) from error
    return {
        "scope1_t": result.scope1_t,
        "scope2_t": result.scope2_t,
        "total_t": result.total_t,
        "total_t_exact": None if result.total_exact is None else format(result.total_exact, "f"),
        "scope2_market_t": result.scope2_market_t,
        "total_market_t": result.total_market_t,
        "parts_differ": result.parts_differ,
        "by_source": [
            {
                "source": row.source,
                "entry": row.entry,
                "label": row.label,
                "amount": row.amount,
                "unit": row.unit,
                "scope": row.scope,
                "t_co2": row.t_co2,
            }
            for row in result.by_source
        ],  # fmt: skip
        "factor_set": factor_set,
    }


@router.post("/sbt-sme", response=SbtOut, summary="中小企業版SBTの要件を満たすか判定する")
def sbt_sme(request: HttpRequest, payload: SbtIn) -> dict:
    result = check_sbt_sme(SbtInput(**payload.model_dump()), jpy_per_eur=selectors.jpy_per_eur_cached())
    return {
        "eligible": result.eligible,
        "mandatory_passed": result.mandatory_passed,
        "size_passed": result.size_passed,
        "criteria": [c.__dict__ for c in result.criteria],
        "jpy_per_eur": float(result.jpy_per_eur),
        "revenue_limit_yen": result.revenue_limit_yen,
        "assets_limit_yen": result.assets_limit_yen,
    }
