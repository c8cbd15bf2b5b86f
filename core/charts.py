"""Server-rendered SVG charts: no JavaScript, readable by screen readers through title and a data table."""

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PALETTE = ["#1a5fb4", "#2f8f5b", "#c65d00", "#7b3fa0", "#b3261e", "#00758f", "#5c6b00", "#8a5a00", "#505a64"]


def _fmt(value: float | int | Decimal) -> str:
    # Decimals are measured quantities (t-CO2): always one decimal, as in the tables next to the chart.
    if isinstance(value, Decimal) or (isinstance(value, float) and value != int(value)):
        return f"{value:,.1f}"
    return f"{int(value):,}"


def chart_alternative(items: Sequence[tuple[str, float | int | Decimal]], *, title: str, unit: str = "") -> str:
    """The chart in words: its title and every bar's figure, for a screen reader and a tagged PDF's /Alt."""
    if not items:
        return f"{title}：{_('データなし')}"
    return f"{title}：" + "、".join(f"{label} {_fmt(value)}{unit}" for label, value in items)


def bar_chart_svg(
    items: Sequence[tuple[str, float | int | Decimal]],
    *,
    title: str,
    unit: str = "",
    width: int = 640,
    bar_height: int = 26,
    colour: str | None = None,
    font_family: str = "",
) -> SafeString:
    """A horizontal bar chart; the caller shows the same figures in a table next to it. `font_family` names the
    text's fonts where the page's CSS does not reach the SVG (WeasyPrint's PDFs)."""
    label_width = 200
    value_width = 90
    gap = 8
    top = 8
    height = top + max(len(items), 1) * (bar_height + gap) + gap
    peak = max((float(v) for _, v in items), default=0) or 1.0
    plot_width = width - label_width - value_width
    alternative = chart_alternative(items, title=title, unit=unit)
    label_attr = escape(alternative, {'"': "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{label_attr}" '
        'preserveAspectRatio="xMinYMin meet"' + (f' font-family="{escape(font_family)}"' if font_family else "") + ">",
        f"<title>{escape(alternative)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = top + index * (bar_height + gap)
        bar = max(0.0, float(value) / peak * plot_width)
        fill = colour or PALETTE[index % len(PALETTE)]
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.68:.1f}" text-anchor="end" '
            f'font-size="14" fill="#1b1b1b">{escape(str(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" fill="{fill}" rx="3"/>'
            f'<text x="{label_width + bar + 6:.1f}" y="{y + bar_height * 0.68:.1f}" font-size="14" '
            f'fill="#1b1b1b">{escape(_fmt(value))}{escape(unit)}</text>'
        )
    if not items:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="14">—</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated value is escaped above
