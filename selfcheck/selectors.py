"""Reads of the self-check."""

from decimal import Decimal

from django.db.models import QuerySet

from .calculator import (
    DEFAULT_JPY_PER_EUR,
    Assessment,
    Co2Result,
    FactorData,
    SbtInput,
    SbtResult,
    SheetAnswers,
    assess,
    calculate_co2,
    check_sbt_sme,
)
from .models import FactorSet, SelfcheckSettings, Sheet


def factor_set_for(*, fiscal_year: int | None = None) -> FactorSet:
    """The factor set of that fiscal year if staff loaded one, else the default set."""
    qs = FactorSet.objects.prefetch_related("factors")
    if fiscal_year is not None:
        match = qs.filter(fiscal_year=fiscal_year).order_by("-is_default", "-created_at").first()
        if match:
            return match
    return qs.get(is_default=True)


def factor_data(factor_set: FactorSet) -> dict[str, FactorData]:
    return {
        f.source: FactorData(source=f.source, unit=f.unit, t_per_unit=f.t_per_unit, scope=f.scope)
        for f in factor_set.factors.all()
    }


def jpy_per_eur() -> Decimal:
    row = SelfcheckSettings.objects.first()
    return row.jpy_per_eur if row else DEFAULT_JPY_PER_EUR


def sheet_co2(sheet: Sheet) -> Co2Result:
    return calculate_co2(
        sheet.amounts(),
        factor_data(sheet.factor_set),
        market_electricity_kg_per_kwh=sheet.market_electricity_kg_per_kwh,
    )


def sheet_sbt(sheet: Sheet, co2: Co2Result, *, rate: Decimal | None = None) -> SbtResult | None:
    if sheet.sbt_employees is None or sheet.sbt_revenue_yen is None or sheet.sbt_total_assets_yen is None:
        return None
    return check_sbt_sme(
        SbtInput(
            scope1_2_t=co2.total_exact,
            employees=sheet.sbt_employees,
            revenue_yen=sheet.sbt_revenue_yen,
            total_assets_yen=sheet.sbt_total_assets_yen,
            financial_or_oil_gas=sheet.sbt_financial_or_oil_gas,
            sector_specific_method_required=sheet.sbt_sector_specific_method_required,
            parent_under_standard_sbt=sheet.sbt_parent_under_standard_sbt,
            flag_sector=sheet.sbt_flag_sector,
        ),
        jpy_per_eur=rate if rate is not None else jpy_per_eur(),
    )


def sheet_assessment(sheet: Sheet, sbt: SbtResult | None) -> Assessment:
    has_amounts = any(v is not None for v in sheet.amounts().values())
    return assess(
        SheetAnswers(
            has_amounts=has_amounts,
            has_detail=bool(sheet.monthly) or sheet.market_electricity_kg_per_kwh is not None,
            measures=dict(sheet.measures or {}),
            awareness=dict(sheet.awareness or {}),
            has_target=bool(sheet.base_year and sheet.target_year and sheet.target_reduction_pct is not None),
            has_roadmap=bool(sheet.roadmap.strip()),
            has_person=bool(sheet.person_in_charge.strip()),
            sbt_eligible=sbt.eligible if sbt else None,
        )
    )


def sheet_report(sheet: Sheet) -> dict:
    """Everything the result page and the PDF show, computed once from the same numbers."""
    co2 = sheet_co2(sheet)
    sbt = sheet_sbt(sheet, co2)
    return {"co2": co2, "sbt": sbt, "assessment": sheet_assessment(sheet, sbt)}


def sheet_get(*, pk: int) -> Sheet:
    return Sheet.objects.select_related("company", "factor_set").prefetch_related("factor_set__factors").get(pk=pk)


def sheets_of_company(*, company) -> QuerySet[Sheet]:
    return Sheet.objects.filter(company=company).select_related("factor_set").order_by("fiscal_year")


def sheets_of_companies(*, company_ids) -> QuerySet[Sheet]:
    """Sheets of several companies (a grantee's list), with what their results need in two queries."""
    return (
        Sheet.objects.filter(company_id__in=list(company_ids))
        .select_related("company", "factor_set")
        .prefetch_related("factor_set__factors")
        .order_by("company__name", "-fiscal_year")
    )
