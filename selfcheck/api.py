"""Public JSON API of the self-check: the CO2 estimate and the SBT-for-SMEs check."""

from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from core.apitypes import JsonNumber
from core.errors import ApplicationError
from core.jst import last_complete_fiscal_year

from . import selectors, services
from .calculator import (
    LPG_DEFAULT_GAS,
    ConversionMissing,
    SbtInput,
    calculate_co2,
    check_sbt_sme,
    factor_year_note,
    lpg_supplier_problem,
    market_factor_problem,
)
from .models import MAX_AMOUNT

router = Router(tags=["selfcheck"])

# Amounts and coefficients are JSON numbers: a string ("100", "１００") is a 400 naming the field, as for the integers.
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False), JsonNumber]
Coefficient = Annotated[Decimal, Field(gt=0, le=1000, allow_inf_nan=False), JsonNumber]


# The estimate's models are plain pydantic: django-ninja's Schema wraps each validation in a validator for reading ORM
# objects, which cost more than the calculation (measured: docs/cache.md).
class EstimateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    electricity_kwh: Amount | None = Field(default=None, description="電気（kWh）")
    city_gas_nm3: Amount | None = Field(default=None, description="都市ガス（Nm3）")
    lpg_kg: Amount | None = Field(default=None, description="LPG（kg）")
    gasoline_l: Amount | None = Field(default=None, description="ガソリン（L）")
    kerosene_l: Amount | None = Field(default=None, description="灯油（L）")
    diesel_l: Amount | None = Field(default=None, description="軽油（L）")
    heavy_oil_a_l: Amount | None = Field(default=None, description="A重油（L）")
    city_gas_m3: Amount | None = Field(default=None, description="都市ガス（m³、請求書の単位。熱量が必要）")
    city_gas_mj_per_m3: Coefficient | None = Field(
        default=None, description="都市ガスの熱量（MJ/m³、検針票・請求書に記載）"
    )
    lpg_m3: Amount | None = Field(
        default=None,
        description=(
            "LPG（m³、請求書の単位）。lpg_supplier_kg_per_m3 があればその係数、なければ lpg_gas の公表値"
            "（プロパン1/502 t/m³、ブタン1/355 t/m³：資源エネルギー庁 定期報告書記入要領、J-Net21 省エネQ&Aで紹介）で換算"
        ),
    )
    lpg_gas: Literal["propane", "butane"] | None = Field(
        default=None, description="LPガスの種類（propane または butane。省略時は propane）。lpg_m3 の換算に使う"
    )
    lpg_supplier_kg_per_m3: Coefficient | None = Field(
        default=None,
        description="LPガス販売店の換算係数（kg/m³、0.5〜5）。あれば公表値より優先",
    )
    heat_gj: Amount | None = Field(default=None, description="購入した熱（GJ）")
    market_electricity_kg_per_kwh: Amount | None = Field(
        default=None,
        description="電力会社の排出係数（kg-CO2/kWh、電力会社が公表している値。例：0.421）",
    )
    fiscal_year: int | None = Field(
        default=None,
        ge=2000,
        le=2100,
        strict=True,
        description=(
            "年度（4月〜翌年3月）。その年度の最新の係数セットで計算し、2021年度から今年度までで係数セットのない年度は"
            "最も近い年度の係数セットで計算して factor_note でそう伝える。省略時は前年度（12か月そろった最後の年度）"
        ),
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
    lpg_conversion: str | None = Field(
        description="LPGをm³で入力したときの換算方法と出典（m³で入力していなければ null）"
    )
    fiscal_year: int = Field(description="計算した年度")
    factor_set: FactorSetOut
    factor_note: str | None = Field(
        description="ほかの年度の係数セットで計算したときの注記（例：「2025年度の係数が未登録のため、2026年度の係数で算定」）"
        "。その年度の係数セットで計算したときは null"
    )


class SbtIn(Schema):
    model_config = ConfigDict(extra="forbid")

    scope1_2_t: Amount | None = Field(
        description=(
            "Scope 1+2（ロケーション基準）t-CO2、四捨五入する前の値（estimate の total_t_exact を引用符なしの数値で）。"
            "null は未入力（判定できない）"
        ),
    )
    employees: int = Field(ge=0, le=10_000_000, strict=True, description="従業員数（パートタイマーを含む）")
    revenue_yen: int = Field(ge=0, le=10**16, strict=True, description="売上高（円）")
    total_assets_yen: int = Field(ge=0, le=10**16, strict=True, description="総資産（円）")
    financial_or_oil_gas: StrictBool | None = Field(
        None,
        description="金融機関または石油・ガスのセクターである（必須の要件。null・省略は未回答で、満たすとはみなさない）",
    )
    sector_specific_method_required: StrictBool | None = Field(
        None,
        description="SBTiのセクター別手法での目標設定を求められている（必須の要件。null・省略は未回答で、満たすとはみなさない）",
    )
    parent_under_standard_sbt: StrictBool | None = Field(
        None,
        description="通常版SBTの対象となる親会社の子会社である（必須の要件。null・省略は未回答で、満たすとはみなさない）",
    )
    flag_sector: StrictBool = Field(False, description="森林・土地・農業（FLAG）セクターである")
    emissions_annualised: StrictBool = Field(
        False, description="scope1_2_t に年換算した推計（12か月に満たない月の平均×12）が含まれる"
    )


class CriterionOut(Schema):
    code: str
    label: str
    mandatory: bool
    passed: bool | None = Field(description="null は判定できない（未入力）")


class SbtOut(Schema):
    eligible: bool | None = Field(
        description="true は入力内容からは要件を満たす見込み（認定はSBTiの審査による）。null は判定できない（排出量が未入力、または必須の要件が未回答）"
    )
    verdict: str = Field(
        description="判定の文（例：「入力内容からは要件を満たす見込みです（認定はSBTiの審査によります）」）"
    )
    annualised_estimate: bool = Field(description="排出量に年換算の推計が含まれ、判定も推計にもとづく")
    unanswered: list[str] = Field(description="未回答の必須の要件（criteria の code）")
    mandatory_passed: bool | None
    size_passed: int
    criteria: list[CriterionOut]
    jpy_per_eur: float
    revenue_limit_yen: int
    assets_limit_yen: int


@router.post("/estimate", response=EstimateOut, summary="年間のエネルギー使用量からCO2排出量を計算する")
def estimate(request: HttpRequest, payload: EstimateIn) -> EstimateOut:
    fiscal_year = payload.fiscal_year if payload.fiscal_year is not None else last_complete_fiscal_year()
    factor_set, factors = selectors.factors_cached(fiscal_year=fiscal_year)
    market = payload.market_electricity_kg_per_kwh
    if market is not None and (problem := market_factor_problem(market)):
        raise ApplicationError(problem, field="market_electricity_kg_per_kwh")
    supplier = payload.lpg_supplier_kg_per_m3
    if supplier is not None and (problem := lpg_supplier_problem(supplier)):
        raise ApplicationError(problem, field="lpg_supplier_kg_per_m3")
    amounts = payload.model_dump(
        exclude={
            "fiscal_year",
            "market_electricity_kg_per_kwh",
            "city_gas_mj_per_m3",
            "lpg_gas",
            "lpg_supplier_kg_per_m3",
        }
    )
    services.check_one_unit_per_source(amounts, {})
    try:
        result = calculate_co2(
            amounts,
            factors,
            market_electricity_kg_per_kwh=market,
            city_gas_mj_per_m3=payload.city_gas_mj_per_m3,
            lpg_gas=payload.lpg_gas or LPG_DEFAULT_GAS,
            lpg_supplier_kg_per_m3=supplier,
        )
    except ConversionMissing as error:
        field = (
            "city_gas_mj_per_m3" if error.entry == "city_gas_m3" and payload.city_gas_mj_per_m3 is None else error.entry
        )
        raise ApplicationError(error.message, field=field) from error
    lpg = result.lpg_conversion
    # Validated here, once: ninja sends an instance of the response model as it is, where a dict would be validated
    # again through its wrapper for reading ORM objects (ResponseObject, DjangoGetter).
    return EstimateOut.model_validate(
        {
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
            "lpg_conversion": lpg.description if lpg else None,
            "fiscal_year": fiscal_year,
            "factor_set": factor_set,
            "factor_note": factor_year_note(fiscal_year=fiscal_year, factor_year=factor_set["fiscal_year"]),
        }
    )


@router.post("/sbt-sme", response=SbtOut, summary="中小企業版SBTの要件を満たすか判定する")
def sbt_sme(request: HttpRequest, payload: SbtIn) -> dict:
    result = check_sbt_sme(SbtInput(**payload.model_dump()), jpy_per_eur=selectors.jpy_per_eur_cached())
    return {
        "eligible": result.eligible,
        "verdict": result.verdict,
        "annualised_estimate": result.annualised_estimate,
        "unanswered": [c.code for c in result.unanswered],
        "mandatory_passed": result.mandatory_passed,
        "size_passed": result.size_passed,
        "criteria": [c.__dict__ for c in result.criteria],
        "jpy_per_eur": float(result.jpy_per_eur),
        "revenue_limit_yen": result.revenue_limit_yen,
        "assets_limit_yen": result.assets_limit_yen,
    }
