from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import bar_chart_svg

from .calculator import Co2Result


def co2_chart(co2: Co2Result, *, font_family: str = "") -> SafeString:
    """The CO2 breakdown by source as an SVG bar chart (the same figures are in the table next to it)."""
    items = [(row.label.split("（")[0], row.t_co2) for row in co2.by_source]
    return bar_chart_svg(items, title=_("エネルギー種別のCO2排出量"), unit="t-CO2", font_family=font_family)
