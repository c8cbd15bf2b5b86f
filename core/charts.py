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
    # Room for the figure and its unit: 「1,234件」 fits in 90 px; an English unit (" consultations") needs more.
    value_width = max(90, 8 * (len(unit) + 6))
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


def path_chart_svg(
    years: Sequence[tuple[str, float | int | Decimal | None, float | int | Decimal]],
    *,
    title: str,
    actual_label: str,
    target_label: str,
    unit: str = "",
    width: int = 640,
    height: int = 260,
    font_family: str = "",
) -> SafeString:
    """Vertical bars of actual figures (None: not entered, no bar and no zero) against a target line, one column a
    year: `years` holds (label, actual, target). Its <title> gives every figure of both series in words; the caller
    shows them in a table next to it as well."""
    left, right, top, bottom = 56, 12, 28, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([float(t) for _l, _a, t in years] + [float(a) for _l, a, _t in years if a is not None] + [0.0]) or 1.0
    words = [
        f"{label} {actual_label} {_fmt(actual) + unit if actual is not None else _('未入力')}・"
        f"{target_label} {_fmt(target)}{unit}"
        for label, actual, target in years
    ]
    alternative = f"{title}：" + ("、".join(words) if words else _("データなし"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-label="{escape(alternative, {chr(34): "&quot;"})}" preserveAspectRatio="xMinYMin meet"'
        + (f' font-family="{escape(font_family)}"' if font_family else "")
        + ">",
        f"<title>{escape(alternative)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#505a64"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11" fill="#1b1b1b">{escape(_fmt(peak))}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11" fill="#1b1b1b">0</text>',
        f'<rect x="{left}" y="4" width="14" height="12" fill="{PALETTE[0]}"/>'
        f'<text x="{left + 18}" y="14" font-size="12" fill="#1b1b1b">{escape(actual_label)}</text>'
        f'<line x1="{left + 120}" y1="10" x2="{left + 146}" y2="10" stroke="{PALETTE[2]}" stroke-width="3" '
        f'stroke-dasharray="6 3"/>'
        f'<text x="{left + 152}" y="14" font-size="12" fill="#1b1b1b">{escape(target_label)}</text>',
    ]
    column = plot_w / max(len(years), 1)
    line = []
    for index, (label, actual, target) in enumerate(years):
        x = left + index * column
        if actual is not None:
            bar = float(actual) / peak * plot_h
            parts.append(
                f'<rect x="{x + column * 0.2:.1f}" y="{top + plot_h - bar:.1f}" width="{column * 0.6:.1f}" '
                f'height="{bar:.1f}" fill="{PALETTE[0]}"/>'
            )
        line.append(f"{x + column / 2:.1f},{top + plot_h - float(target) / peak * plot_h:.1f}")
        parts.append(
            f'<text x="{x + column / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
            f'fill="#1b1b1b">{escape(str(label))}</text>'
        )
    if line:
        parts.append(
            f'<polyline points="{" ".join(line)}" fill="none" stroke="{PALETTE[2]}" stroke-width="3" '
            'stroke-dasharray="6 3"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated value is escaped above
