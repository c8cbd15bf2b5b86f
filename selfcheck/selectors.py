"""Reads of the self-check."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.cache import cached
from core.errors import ApplicationError
from core.jst import current_fiscal_year

from .calculator import (
    DEFAULT_JPY_PER_EUR,
    FIRST_FISCAL_YEAR,
    SOURCE_LABELS,
    SOURCES,
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
from .trend import YearTotal, build_trend, target_path

NAMESPACE = "selfcheck-factors"  # version of factor sets, factors and settings (selfcheck.apps wires them)


FACTOR_SET_FIELDS = ("name", "fiscal_year", "version", "source", "publication", "url")


def factors_cached(*, fiscal_year: int) -> tuple[dict, dict[str, FactorData]]:
    """What the estimate shows of `factor_set_for` (FACTOR_SET_FIELDS) and its `factor_data`, kept in Redis until a
    factor set, a factor or the self-check settings change: one round trip instead of two queries (plain values:
    unpickling the model instance cost 0.3 ms). A missing year is not cached (FactorSetMissing is raised)."""

    def load():
        factor_set = factor_set_for(fiscal_year=fiscal_year)
        return {name: getattr(factor_set, name) for name in FACTOR_SET_FIELDS}, factor_data(factor_set)

    return cached(f"factors:{fiscal_year}", (NAMESPACE,), load)


def jpy_per_eur_cached() -> Decimal:
    return cached("jpy_per_eur", (NAMESPACE,), jpy_per_eur)


class FactorSetMissing(ApplicationError):
    """No complete factor set is registered for a fiscal year: nothing is computed with another year's."""


def factor_set_for(*, fiscal_year: int) -> FactorSet:
    """The set a new computation of that fiscal year uses: the newest version of the year's own set, or, for a year
    from FIRST_FISCAL_YEAR to the current one that has none, the nearest published year's (the later one on a tie).
    A substitute is never silent: `calculator.factor_year_note` names it next to every figure. Refused when no set
    is registered at all (or for a year outside that range without its own set), or when the set is incomplete."""
    own = FactorSet.objects.filter(fiscal_year=fiscal_year).prefetch_related("factors").order_by("-version").first()
    factor_set = own
    if own is None and FIRST_FISCAL_YEAR <= fiscal_year <= current_fiscal_year():
        years = set(FactorSet.objects.values_list("fiscal_year", flat=True).distinct())
        if years:
            nearest = min(years, key=lambda y: (abs(y - fiscal_year), -y))
            factor_set = (
                FactorSet.objects.filter(fiscal_year=nearest).prefetch_related("factors").order_by("-version").first()
            )
    if factor_set is None:
        years = list(FactorSet.objects.order_by("fiscal_year").values_list("fiscal_year", flat=True).distinct())
        raise FactorSetMissing(
            _(
                "%(year)s年度の排出係数が登録されていないため、この年度は計算できません"
                "（%(first)s年度から今年度までは、係数のない年度を最も近い年度の係数で算定します）。"
                "登録済みの年度：%(years)s"
            )
            % {
                "year": fiscal_year,
                "first": FIRST_FISCAL_YEAR,
                "years": "、".join(_("%(y)s年度") % {"y": y} for y in years) or _("なし"),
            },
            field="fiscal_year",
        )
    missing = [code for code in SOURCES if code not in {f.source for f in factor_set.factors.all()}]
    if missing:
        raise FactorSetMissing(
            _("%(year)s年度の排出係数セットに、未登録の係数があります（%(names)s）。")
            % {"year": factor_set.fiscal_year, "names": "、".join(str(SOURCE_LABELS[c]) for c in missing)},
            field="fiscal_year",
        )
    return factor_set


def fiscal_years_offered() -> list[int]:
    """The years a sheet or an estimate can be made for, newest first: FIRST_FISCAL_YEAR to the current 年度."""
    return list(range(current_fiscal_year(), FIRST_FISCAL_YEAR - 1, -1))


def factor_set_in_use(factor_set: FactorSet) -> bool:
    """A set that some sheet was computed with (then it is never edited, only followed by a new version)."""
    if not hasattr(factor_set, "_in_use"):
        factor_set._in_use = Sheet.objects.filter(factor_set=factor_set).exists()
    return factor_set._in_use


def factor_sets_public() -> QuerySet[FactorSet]:
    """Every set and version, newest year and version first, with its factors (for the public list)."""
    return FactorSet.objects.prefetch_related("factors").order_by("-fiscal_year", "-version")


def factor_data(factor_set: FactorSet) -> dict[str, FactorData]:
    return {
        f.source: FactorData(
            source=f.source,
            unit=f.unit,
            t_per_unit=f.t_per_unit,
            scope=f.scope,
            gj_per_unit=f.gj_per_unit,
            kg_per_m3=f.kg_per_m3,
        )
        for f in factor_set.factors.all()
    }


def factor_snapshot(factor_set: FactorSet) -> dict[str, dict]:
    """The values a sheet freezes when it is computed with a set."""
    snapshot = {}
    for f in factor_set.factors.all():
        row = {"t_per_unit": str(f.t_per_unit), "unit": f.unit, "scope": f.scope}
        if f.gj_per_unit is not None:
            row["gj_per_unit"] = str(f.gj_per_unit)
        if f.kg_per_m3 is not None:
            row["kg_per_m3"] = str(f.kg_per_m3)
        snapshot[f.source] = row
    return snapshot


def sheet_factor_data(sheet: Sheet) -> dict[str, FactorData]:
    """The factors the sheet was computed with (its frozen copy, never the set's current rows)."""
    return {
        source: FactorData(
            source=source,
            unit=row["unit"],
            t_per_unit=Decimal(row["t_per_unit"]),
            scope=int(row["scope"]),
            gj_per_unit=Decimal(row["gj_per_unit"]) if row.get("gj_per_unit") else None,
            kg_per_m3=Decimal(row["kg_per_m3"]) if row.get("kg_per_m3") else None,
        )
        for source, row in sheet.factors_used.items()
    }


def newer_factor_set(sheet: Sheet) -> FactorSet | None:
    """The set a new computation of the sheet's year would use, when it is not the one the sheet was computed with:
    a newer version of its own year, its own year's first set (it used a substitute), or a nearer substitute."""
    try:
        latest = factor_set_for(fiscal_year=sheet.fiscal_year)
    except FactorSetMissing:
        return None
    if latest.pk == sheet.factor_set_id:
        return None
    current = sheet.factor_set
    if current.fiscal_year == latest.fiscal_year and latest.version <= current.version:
        return None
    return latest


def jpy_per_eur() -> Decimal:
    row = SelfcheckSettings.objects.first()
    return row.jpy_per_eur if row else DEFAULT_JPY_PER_EUR


def sheet_co2(sheet: Sheet) -> Co2Result:
    return calculate_co2(sheet.amounts(), sheet_factor_data(sheet), **_sheet_options(sheet))


def _sheet_options(sheet: Sheet) -> dict:
    return {
        "market_electricity_kg_per_kwh": sheet.market_electricity_kg_per_kwh,
        "city_gas_mj_per_m3": sheet.city_gas_mj_per_m3,
        "months": sheet.months_entered(),
        "annualised": frozenset(sheet.annualised or ()),
        "lpg_gas": sheet.lpg_gas,
        "lpg_supplier_kg_per_m3": sheet.lpg_supplier_kg_per_m3,
    }


def sheet_co2_with(sheet: Sheet, factor_set: FactorSet) -> Co2Result:
    """What the sheet would show with another set (the preview before an explicit recompute)."""
    return calculate_co2(sheet.amounts(), factor_data(factor_set), **_sheet_options(sheet))


def factor_changes(sheet: Sheet, factor_set: FactorSet) -> list[dict]:
    """Each factor with the value the sheet used and the value in the other set."""
    used = sheet_factor_data(sheet)
    rows = []
    for factor in factor_set.factors.all():
        before = used.get(factor.source)
        rows.append(
            {
                "label": SOURCE_LABELS.get(factor.source, factor.source),
                "unit": factor.unit,
                "old": before.t_per_unit if before else None,
                "new": factor.t_per_unit,
                "changed": before is None or before.t_per_unit != factor.t_per_unit,
            }
        )
    return rows


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
            emissions_annualised=co2.annualised,
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


def sheets_pdf_waiting() -> tuple[int, float]:
    """How many report PDFs are queued or rendering, and the oldest one's wait in seconds (metrics)."""
    waiting = Sheet.objects.filter(pdf_status__in=[Sheet.PdfStatus.QUEUED, Sheet.PdfStatus.RENDERING]).aggregate(
        count=Count("pk"), oldest=Min("pdf_requested_at")
    )
    oldest = waiting["oldest"]
    return waiting["count"], max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0


# --- the yearly cycle: trend, base year, target path, the new year's invitation -------------------------------------


@dataclass(frozen=True)
class SbtSmeReduction:
    """The SBTi SME route's reduction rate as staff entered it, with its source (never a figure of the code's)."""

    pct: Decimal
    source: str
    url: str


def sbt_sme_reduction() -> SbtSmeReduction | None:
    """The rate and its source from the settings; None while staff have not entered it."""
    row = SelfcheckSettings.objects.filter(sbt_sme_reduction_pct__isnull=False).exclude(sbt_sme_reduction_source="")
    row = row.first()
    if row is None:
        return None
    return SbtSmeReduction(
        pct=row.sbt_sme_reduction_pct, source=row.sbt_sme_reduction_source, url=row.sbt_sme_reduction_url
    )


def sheet_yearly(sheet: Sheet) -> dict:
    """The company's years around this sheet: its trend with the change against the sheet's base year, and the
    SBTi SME target path once staff entered the rate (None otherwise). A try-out has only its own year."""
    if sheet.company_id:
        totals = [
            YearTotal(s.fiscal_year, s.total_t)
            for s in Sheet.objects.filter(company_id=sheet.company_id).only("fiscal_year", "total_t")
        ]
    else:
        totals = [YearTotal(sheet.fiscal_year, sheet.total_t)]
    trend = build_trend(
        totals,
        base_year=sheet.base_year,
        base_t=Decimal(sheet.base_emissions_t) if sheet.base_emissions_t is not None else None,
    )
    reduction = sbt_sme_reduction()
    path = None
    if reduction is not None:
        path = target_path(
            base_year=trend.base_year,
            base_t=trend.base_t,
            reduction_pct=reduction.pct,
            actual={t.fiscal_year: t.total_t for t in totals},
        )
    return {"trend": trend, "reduction": reduction, "path": path}


def company_ids_with_sheet(*, company_ids, fiscal_year: int) -> set[int]:
    """Which of these companies have a sheet of that year (an institution's started / not started list)."""
    return set(
        Sheet.objects.filter(company_id__in=list(company_ids), fiscal_year=fiscal_year).values_list(
            "company_id", flat=True
        )
    )


def year_total(*, company, fiscal_year: int) -> Decimal | None:
    """The total of the company's sheet of that year; None when there is none or it is not entered."""
    return Sheet.objects.filter(company=company, fiscal_year=fiscal_year).values_list("total_t", flat=True).first()
