"""The yearly cycle's pure calculations: no database."""

from decimal import Decimal

from selfcheck.trend import SBT_SME_TARGET_YEAR, YearTotal, build_trend, target_path

D = Decimal


def test_trend_lists_every_year_and_the_change_against_the_picked_base_year():
    trend = build_trend(
        [YearTotal(2022, D("100.0")), YearTotal(2023, D("90.0")), YearTotal(2025, D("80.5"))], base_year=2022
    )
    assert [r.fiscal_year for r in trend.rows] == [2022, 2023, 2024, 2025]
    assert trend.base_t == D("100.0")
    by_year = {r.fiscal_year: r for r in trend.rows}
    assert by_year[2022].is_base and by_year[2022].change_t == D("0.0") and by_year[2022].change_pct == D("0.0")
    assert by_year[2023].change_t == D("-10.0") and by_year[2023].change_pct == D("-10.0")
    assert by_year[2025].change_t == D("-19.5") and by_year[2025].change_pct == D("-19.5")


def test_a_year_not_entered_is_not_zero():
    trend = build_trend([YearTotal(2022, D(50)), YearTotal(2023, None), YearTotal(2025, D(40))], base_year=2022)
    by_year = {r.fiscal_year: r for r in trend.rows}
    # a sheet without amounts and a year without a sheet: no figure and no change, never -100 %
    assert by_year[2023].total_t is None and by_year[2023].change_t is None and by_year[2023].change_pct is None
    assert by_year[2024].total_t is None and by_year[2024].change_pct is None
    assert [r.fiscal_year for r in trend.entered] == [2022, 2025]


def test_a_base_year_not_entered_gives_no_change_at_all():
    trend = build_trend([YearTotal(2022, None), YearTotal(2023, D(90))], base_year=2022)
    assert trend.base_missing
    assert all(r.change_t is None and r.change_pct is None for r in trend.rows)


def test_the_base_figure_entered_in_step_3_serves_when_the_base_year_has_no_sheet():
    trend = build_trend([YearTotal(2024, D(90))], base_year=2020, base_t=D(120))
    assert trend.base_t == D(120)
    assert trend.rows[0].change_t == D("-30.0") and trend.rows[0].change_pct == D("-25.0")
    # a sheet of the base year wins over the typed figure
    assert build_trend([YearTotal(2020, D(100)), YearTotal(2024, D(90))], base_year=2020, base_t=D(120)).base_t == 100


def test_a_base_of_zero_gives_the_change_in_tonnes_but_no_percentage():
    trend = build_trend([YearTotal(2022, D(0)), YearTotal(2023, D(5))], base_year=2022)
    assert trend.rows[1].change_t == D("5.0") and trend.rows[1].change_pct is None


def test_no_base_year_no_change_and_no_years_no_rows():
    trend = build_trend([YearTotal(2022, D(10))], base_year=None, base_t=D(99))
    assert trend.base_t is None and trend.rows[0].change_t is None and not trend.base_missing
    assert build_trend([], base_year=2022).rows == ()


def test_target_path_is_absent_while_the_rate_is_not_set():
    assert target_path(base_year=2022, base_t=D(100), reduction_pct=None, actual={2022: D(100)}) is None


def test_target_path_runs_straight_from_the_base_year_to_2030():
    path = target_path(base_year=2022, base_t=D(100), reduction_pct=D(40), actual={2022: D(100), 2024: D(97)})
    assert path.target_year == SBT_SME_TARGET_YEAR == 2030
    assert path.target_t == D("60.0")
    points = {p.fiscal_year: p for p in path.points}
    assert [p.fiscal_year for p in path.points] == list(range(2022, 2031))
    assert points[2022].target_t == D("100.0") and points[2030].target_t == D("60.0")
    assert points[2026].target_t == D("80.0")  # half way: half the reduction
    assert points[2024].target_t == D("90.0") and points[2024].actual_t == D(97) and points[2024].above_path
    assert points[2023].actual_t is None and points[2023].above_path is None  # not entered is not on the path


def test_target_path_keeps_actual_years_after_2030_at_the_target():
    path = target_path(base_year=2025, base_t=D(10), reduction_pct=D("12.5"), actual={2031: D(8)})
    last = path.points[-1]
    assert last.fiscal_year == 2031 and last.target_t == D("8.8") and last.above_path is False


def test_target_path_needs_a_base_before_2030_its_emissions_and_a_rate_in_range():
    assert target_path(base_year=2030, base_t=D(100), reduction_pct=D(40), actual={}) is None
    assert target_path(base_year=2022, base_t=None, reduction_pct=D(40), actual={}) is None
    assert target_path(base_year=None, base_t=D(100), reduction_pct=D(40), actual={}) is None
    assert target_path(base_year=2022, base_t=D(100), reduction_pct=D(0), actual={}) is None
    assert target_path(base_year=2022, base_t=D(100), reduction_pct=D(101), actual={}) is None
