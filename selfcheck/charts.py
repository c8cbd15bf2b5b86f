from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import PALETTE, bar_chart_svg, path_chart_svg

from .calculator import Co2Result


def co2_chart(co2: Co2Result, *, font_family: str = "") -> SafeString:
    """The CO2 breakdown by source as an SVG bar chart (the same figures are in the table next to it)."""
    items = [(row.label.split("（")[0], row.t_co2) for row in co2.by_source]
    return bar_chart_svg(items, title=_("エネルギー種別のCO2排出量"), unit="t-CO2", font_family=font_family)


def yearly_charts(yearly: dict, *, font_family: str = "") -> dict:
    """The context of the trend and target-path sections (selfcheck/_yearly.html): selectors.sheet_yearly's figures
    with their charts. Years not entered are left out of the trend chart (never drawn as 0) and named in the table."""
    trend = yearly["trend"]
    entered = trend.entered
    missing = len(trend.rows) - len(entered)
    title = _("年度別のCO2排出量（Scope 1＋2）")
    if missing:
        title = _("年度別のCO2排出量（Scope 1＋2、未入力の%(n)s年度は表示していません）") % {"n": missing}
    trend_chart = None
    if entered:
        trend_chart = bar_chart_svg(
            [(_("%(y)s年度") % {"y": row.fiscal_year}, row.total_t) for row in entered],
            title=title,
            unit="t-CO2",
            colour=PALETTE[0],
            font_family=font_family,
        )
    path = yearly["path"]
    path_chart = None
    if path is not None:
        path_chart = path_chart_svg(
            [(str(p.fiscal_year), p.actual_t, p.target_t) for p in path.points],
            title=_("中小企業版SBTの削減の道筋（%(base)s年度から%(target)s年度までに%(pct)s%%削減）")
            % {"base": path.base_year, "target": path.target_year, "pct": f"{path.reduction_pct.normalize():f}"},
            actual_label=_("実績"),
            target_label=_("道筋"),
            unit="t-CO2",
            font_family=font_family,
        )
    return {**yearly, "trend_chart": trend_chart, "path_chart": path_chart}
