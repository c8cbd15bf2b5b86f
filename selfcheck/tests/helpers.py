from selfcheck import services
from selfcheck.models import Factor, FactorSet, Sheet


def factor_set_for_test_year(fiscal_year: int, **changes) -> FactorSet:
    """Test data: a set for another fiscal year with the first set's values (or the given changes)."""
    first = FactorSet.objects.get(fiscal_year=2026, version=1)
    created = FactorSet.objects.create(
        name="テスト用の係数セット", fiscal_year=fiscal_year, source="テスト", url="https://example.jp/test"
    )
    for factor in first.factors.all():
        Factor.objects.create(
            factor_set=created,
            source=factor.source,
            unit=factor.unit,
            scope=factor.scope,
            t_per_unit=changes.get(factor.source, factor.t_per_unit),
        )
    return created


def filled_sheet(company, *, fiscal_year=2026) -> Sheet:
    sheet = services.sheet_create(fiscal_year=fiscal_year, company=company)
    services.sheet_save_step1(sheet=sheet, data={"electricity_kwh": 120_000, "lpg_kg": 2_000, "gasoline_l": 3_000})
    services.sheet_save_step2(
        sheet=sheet,
        measures={"yameru_lighting": "done", "tomeru_compressor": "not_yet", "kaeru_led": "planned"},
        awareness={"customer_asked": True},
    )
    services.sheet_save_step3(
        sheet=sheet,
        data={
            "base_year": fiscal_year,
            "base_emissions_t": 64,
            "target_year": 2030,
            "target_reduction_pct": 46,
            "re_intent": "re_action",
            "person_in_charge": "総務部 山田",
            "roadmap": "2026年 LED化\n2028年 空調更新",
            "sbt_employees": 40,
            "sbt_revenue_yen": 800_000_000,
            "sbt_total_assets_yen": 500_000_000,
            "sbt_financial_or_oil_gas": False,
            "sbt_sector_specific_method_required": False,
            "sbt_parent_under_standard_sbt": False,
            "sbt_flag_sector": False,
        },
    )
    return Sheet.objects.get(pk=sheet.pk)
