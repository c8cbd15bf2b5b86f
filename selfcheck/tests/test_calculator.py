"""The pure calculator: no database."""

from decimal import Decimal

import pytest

from selfcheck.calculator import (
    DONE,
    FISCAL_MONTHS,
    NOT_YET,
    ConversionMissing,
    FactorData,
    SbtInput,
    SheetAnswers,
    assess,
    calculate_co2,
    check_sbt_sme,
    lpg_supplier_problem,
    market_factor_problem,
    summarise_months,
)

FACTORS = {
    "electricity_kwh": FactorData("electricity_kwh", "kWh", Decimal("0.0004"), 2),
    "city_gas_nm3": FactorData("city_gas_nm3", "千Nm3", Decimal("2.05"), 1),
    "lpg_kg": FactorData("lpg_kg", "t", Decimal("3"), 1),
    "gasoline_l": FactorData("gasoline_l", "kL", Decimal("2.29"), 1),
    "kerosene_l": FactorData("kerosene_l", "kL", Decimal("2.5"), 1),
    "diesel_l": FactorData("diesel_l", "kL", Decimal("2.62"), 1),
    "heavy_oil_a_l": FactorData("heavy_oil_a_l", "kL", Decimal("2.75"), 1),
    "heat_gj": FactorData("heat_gj", "GJ", Decimal("0.057"), 2),
}


def test_co2_splits_fuels_into_scope1_and_electricity_and_heat_into_scope2():
    result = calculate_co2(
        {"electricity_kwh": Decimal(100_000), "lpg_kg": Decimal(2_000), "heat_gj": Decimal(100)}, FACTORS
    )
    assert result.scope1_t == Decimal("6.0")  # 2 t LPG x 3
    assert result.scope2_t == Decimal("45.7")  # 40 + 5.7
    assert result.total_t == Decimal("51.7")
    assert [row.source for row in result.by_source] == ["electricity_kwh", "lpg_kg", "heat_gj"]
    assert result.by_source[1].unit == "kg"


def test_co2_converts_litres_and_nm3_to_the_official_units():
    result = calculate_co2({"gasoline_l": Decimal(1000), "city_gas_nm3": Decimal(1000)}, FACTORS)
    assert result.scope1_t == Decimal("4.3")  # 2.29 + 2.05 = 4.34


def test_market_based_scope2_replaces_only_the_electricity_factor():
    result = calculate_co2(
        {"electricity_kwh": Decimal(100_000), "heat_gj": Decimal(100)},
        FACTORS,
        market_electricity_kg_per_kwh=Decimal("0.2"),
    )
    assert result.scope2_t == Decimal("45.7")
    assert result.scope2_market_t == Decimal("25.7")
    assert result.total_market_t == Decimal("25.7")


def test_co2_rounds_half_up_to_a_tenth_and_keeps_decimal():
    result = calculate_co2({"electricity_kwh": Decimal(125)}, FACTORS)  # 0.05 t
    assert result.total_t == Decimal("0.1")
    assert isinstance(result.total_t, Decimal)


def _sbt(**overrides):
    data = {
        "scope1_2_t": Decimal(500),
        "employees": 100,
        "revenue_yen": 1_000_000_000,
        "total_assets_yen": 1_000_000_000,
        "financial_or_oil_gas": False,
        "sector_specific_method_required": False,
        "parent_under_standard_sbt": False,
        "flag_sector": False,
    }
    data.update(overrides)
    return SbtInput(**data)


def test_sbt_small_company_is_eligible():
    result = check_sbt_sme(_sbt())
    assert result.eligible
    assert result.size_passed == 4


@pytest.mark.parametrize(
    "overrides",
    [
        {"scope1_2_t": Decimal(10_000)},
        {"financial_or_oil_gas": True},
        {"sector_specific_method_required": True},
        {"parent_under_standard_sbt": True},
    ],
)
def test_sbt_each_mandatory_criterion_alone_makes_it_ineligible(overrides):
    result = check_sbt_sme(_sbt(**overrides))
    assert not result.eligible
    assert not result.mandatory_passed


def test_sbt_three_of_four_size_criteria_are_enough_but_two_are_not():
    assert check_sbt_sme(_sbt(employees=250)).eligible
    assert not check_sbt_sme(_sbt(employees=250, flag_sector=True)).eligible


def test_sbt_euro_thresholds_use_the_given_rate():
    just_below = _sbt(revenue_yen=9_199_999_999, total_assets_yen=4_599_999_999, employees=300)
    assert check_sbt_sme(just_below).eligible  # 184 yen/EUR: 9.2 and 4.6 billion yen
    assert not check_sbt_sme(_sbt(revenue_yen=9_200_000_000, total_assets_yen=4_600_000_000)).size_passed == 4
    at_150 = check_sbt_sme(just_below, jpy_per_eur=Decimal(150))
    assert at_150.revenue_limit_yen == 7_500_000_000
    assert not at_150.eligible
    criteria = {c.code: c.passed for c in at_150.criteria}
    assert criteria == {
        "emissions": True,
        "sector": True,
        "sector_method": True,
        "parent": True,
        "employees": False,
        "revenue": False,
        "assets": False,
        "flag": True,
    }


def test_assessment_sends_an_unmeasured_company_to_step1_first():
    result = assess(SheetAnswers(has_amounts=False, has_detail=False))
    assert result.step1 == 0
    assert result.overall == 1
    assert result.actions[0].target == "step1"


def test_assessment_suggests_low_cost_measures_and_supply_chain_consultation():
    result = assess(
        SheetAnswers(
            has_amounts=True,
            has_detail=False,
            measures={"yameru_lighting": NOT_YET, "kaeru_led": DONE},
            awareness={"customer_asked": True},
        )
    )
    codes = [a.code for a in result.actions]
    assert "low_cost" in codes
    assert codes.index("supply_chain") < codes.index("low_cost")
    assert next(a for a in result.actions if a.code == "supply_chain").target == "consultations"


def test_assessment_levels_rise_with_answers_and_sbt_eligible_gets_its_action():
    result = assess(
        SheetAnswers(
            has_amounts=True,
            has_detail=True,
            measures={"yameru_lighting": DONE, "tomeru_sensor": DONE},
            awareness={"peer_cases": True, "energy_diagnosis": True},
            has_target=True,
            has_roadmap=True,
            has_person=True,
            sbt_eligible=True,
        )
    )
    assert (result.step1, result.step2, result.step3, result.overall) == (2, 2, 2, 4)
    assert [a.code for a in result.actions] == ["sbt", "site_diagnosis"]


# --- issue 14: not entered is not zero; market factor in kg; thresholds on exact values ------------------------


def test_nothing_entered_gives_no_total_rather_than_zero_tonnes():
    result = calculate_co2({"electricity_kwh": None, "lpg_kg": None}, FACTORS)
    assert result.total_t is None and result.scope1_t is None and result.scope2_t is None
    assert not result.entered


def test_an_entered_zero_is_zero_and_an_unentered_scope_stays_unknown():
    result = calculate_co2({"electricity_kwh": Decimal(0)}, FACTORS)
    assert result.total_t == Decimal("0.0") and result.scope2_t == Decimal("0.0")
    assert result.scope1_t is None


def test_sbt_without_emissions_cannot_be_judged_instead_of_passing():
    result = check_sbt_sme(_sbt(scope1_2_t=None))
    assert result.eligible is None
    assert result.undecided
    assert {c.code: c.passed for c in result.criteria}["emissions"] is None
    # another criterion that fails still rules it out, with or without emissions
    assert check_sbt_sme(_sbt(scope1_2_t=None, parent_under_standard_sbt=True)).eligible is False
    assert check_sbt_sme(_sbt(scope1_2_t=None, employees=300, flag_sector=True)).eligible is False


def test_assessment_does_not_suggest_applying_for_sbt_when_it_cannot_be_judged():
    result = assess(SheetAnswers(has_amounts=False, has_detail=False, sbt_eligible=None))
    assert "sbt" not in [a.code for a in result.actions]


def test_market_factor_is_kg_per_kwh_as_retailers_publish_it():
    result = calculate_co2({"electricity_kwh": Decimal(1000)}, FACTORS, market_electricity_kg_per_kwh=Decimal("0.421"))
    assert result.scope2_market_t == Decimal("0.4")  # 421 kg, not 421 t


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (Decimal("0.000421"), "t-CO2/kWhの値のようです"),
        (Decimal("421"), "g-CO2/kWhの値のようです"),
        (Decimal("5"), "大きすぎます"),
        (Decimal("-0.1"), "0以上"),
    ],
)
def test_market_factor_in_another_unit_is_named_in_the_error(value, named):
    assert named in market_factor_problem(value)


def test_market_factor_error_gives_the_value_in_kg():
    assert "0.421" in market_factor_problem(Decimal("0.000421"))
    assert "0.421" in market_factor_problem(Decimal("421"))


@pytest.mark.parametrize("value", [Decimal(0), Decimal("0.001"), Decimal("0.421"), Decimal(2)])
def test_plausible_market_factors_pass(value):
    assert market_factor_problem(value) is None


def test_sbt_threshold_is_tested_on_the_exact_value_not_the_rounded_one():
    factors = {**FACTORS, "electricity_kwh": FactorData("electricity_kwh", "kWh", Decimal("0.000423"), 2)}
    co2 = calculate_co2({"electricity_kwh": Decimal(23_640_570)}, factors)
    assert co2.total_t == Decimal("10000.0")
    assert co2.total_exact == Decimal("9999.961110000")
    result = check_sbt_sme(_sbt(scope1_2_t=co2.total_exact))
    assert result.eligible is True
    assert result.rounding_note is True
    assert check_sbt_sme(_sbt(scope1_2_t=Decimal(10_000))).eligible is False


def test_rounded_parts_that_do_not_add_up_to_the_total_are_flagged():
    # 350 kWh x 0.0004 = 0.14 t and 2.456140... GJ x 0.057 = 0.14 t: rows show 0.1 + 0.1, the total 0.3
    result = calculate_co2({"electricity_kwh": Decimal(350), "heat_gj": Decimal("2.4561404")}, FACTORS)
    assert [row.t_co2 for row in result.by_source] == [Decimal("0.1"), Decimal("0.1")]
    assert result.total_t == Decimal("0.3")
    assert result.parts_differ is True
    assert calculate_co2({"electricity_kwh": Decimal(1000)}, FACTORS).parts_differ is False


# --- issue 14: April–March months, no annual total claimed from a part year; bill units -----------------------


def test_fewer_than_twelve_months_give_no_annual_total_unless_annualised_on_request():
    three = {4: Decimal(1000), 5: Decimal(1100), 6: Decimal(900)}
    summary = summarise_months(three)
    assert (summary.months_entered, summary.months_total, summary.annual) == (3, Decimal(3000), None)
    annualised = summarise_months(three, annualise=True)
    assert annualised.annual == Decimal(12000) and annualised.annualised
    full = summarise_months({m: Decimal(100) for m in FISCAL_MONTHS})
    assert full.complete and full.annual == Decimal(1200) and not full.annualised


def test_the_fiscal_year_runs_from_april_to_march():
    assert FISCAL_MONTHS[0] == 4 and FISCAL_MONTHS[-1] == 3 and sorted(FISCAL_MONTHS) == list(range(1, 13))


def test_an_annualised_row_says_so():
    result = calculate_co2(
        {"electricity_kwh": Decimal(12000)}, FACTORS, months={"electricity_kwh": 6}, annualised={"electricity_kwh"}
    )
    assert result.by_source[0].annualised and result.by_source[0].months == 6
    assert result.annualised


HEAT = {**FACTORS, "city_gas_nm3": FactorData("city_gas_nm3", "千Nm3", Decimal("2.05"), 1, gj_per_unit=Decimal(40))}


def test_city_gas_in_bill_m3_is_converted_through_the_bills_heat_value():
    # 1,000 m3 x 45 MJ/m3 = 45 GJ; 45 / 40.0 GJ per thousand Nm3 = 1.125 thousand Nm3; x 2.05 = 2.30625 t
    result = calculate_co2({"city_gas_m3": Decimal(1000)}, HEAT, city_gas_mj_per_m3=Decimal(45))
    row = result.by_source[0]
    assert row.unit == "m³" and row.factor_amount == Decimal("1.125") and row.factor_unit == "千Nm3"
    assert row.t_co2_exact == Decimal("2.30625") and result.total_t == Decimal("2.3")


def test_city_gas_in_m3_without_the_heat_value_is_refused_not_guessed():
    with pytest.raises(ConversionMissing) as error:
        calculate_co2({"city_gas_m3": Decimal(1000)}, HEAT)
    assert "熱量" in error.value.message


def test_502_m3_of_propane_gives_the_co2_of_1_t_of_lpg():
    one_tonne = calculate_co2({"lpg_kg": Decimal(1000)}, FACTORS)
    propane = calculate_co2({"lpg_m3": Decimal(502)}, FACTORS)  # propane is the default
    assert propane.by_source[0].factor_amount == Decimal(1)
    assert propane.total_exact == one_tonne.total_exact == Decimal(3)
    assert propane.lpg_conversion.basis == "propane"
    assert "1/502 t/m³" in propane.lpg_conversion.description
    assert "定期報告書記入要領" in propane.lpg_conversion.description
    assert "J-Net21" in propane.lpg_conversion.description


def test_355_m3_of_butane_gives_the_co2_of_1_t_of_lpg():
    butane = calculate_co2({"lpg_m3": Decimal(355)}, FACTORS, lpg_gas="butane")
    assert butane.by_source[0].factor_amount == Decimal(1) and butane.total_exact == Decimal(3)
    assert "ブタン 1/355 t/m³（約2.82 kg/m³）" in butane.lpg_conversion.description


def test_the_suppliers_coefficient_wins_over_the_published_and_the_sets_conversion():
    supplier = calculate_co2({"lpg_m3": Decimal(1000)}, FACTORS, lpg_gas="butane", lpg_supplier_kg_per_m3=Decimal(2))
    assert supplier.by_source[0].factor_amount == Decimal(2) and supplier.total_t == Decimal("6.0")
    assert supplier.lpg_conversion.basis == "supplier" and "2 kg/m³" in supplier.lpg_conversion.description
    # test value of a set's conversion (not an official figure): 2.5 kg per m3, used only without a supplier's
    factors = {**FACTORS, "lpg_kg": FactorData("lpg_kg", "t", Decimal(3), 1, kg_per_m3=Decimal("2.5"))}
    assert calculate_co2({"lpg_m3": Decimal(1000)}, factors).total_t == Decimal("7.5")
    assert calculate_co2({"lpg_m3": Decimal(1000)}, factors, lpg_supplier_kg_per_m3=Decimal(2)).total_t == Decimal(
        "6.0"
    )


def test_no_conversion_is_reported_when_lpg_was_not_entered_in_m3():
    assert calculate_co2({"lpg_kg": Decimal(1000)}, FACTORS).lpg_conversion is None


@pytest.mark.parametrize(
    ("value", "message"),
    [(Decimal("0.002"), "t/m³の値のようです"), (Decimal(20), "0.5〜5の範囲"), (Decimal("1.99"), None)],
)
def test_a_suppliers_coefficient_in_the_wrong_unit_is_named(value, message):
    problem = lpg_supplier_problem(value)
    assert problem is None if message is None else message in problem
