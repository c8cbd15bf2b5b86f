"""Open statistics: what the portal publishes per 年度 (April–March, JST) for anyone to read and download.

Each app that has something to publish keeps an `openstats.py` module with functions decorated by `@provider`;
they are found the way the admin finds `admin.py` modules (`autodiscover_modules`), so core imports no app.
A provider returns counts only. Publishing rules are applied here, once, for every table:

- a count from 1 to 4 is shown as 「5未満」 (SUPPRESS_BELOW), so that no single company can be recognised;
- where a table would hide exactly one cell, its next smallest cell is hidden as well, so that the hidden one cannot
  be recovered by subtracting the others from a total published elsewhere on the page (secondary suppression);
- a hidden cell is left out of the chart too (its bar's length would give it away); the table says so.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

SUPPRESS_BELOW = 5


@dataclass(frozen=True)
class StatTable:
    """Counts by category, as a provider computes them (nothing hidden yet)."""

    key: str  # stable identifier for the CSV and JSON (e.g. "consultations_by_topic")
    section: str  # the heading the table sits under (相談, セミナー, …)
    title: str
    unit: str
    rows: list[tuple[str, int]]
    note: str = ""


@dataclass(frozen=True)
class Cell:
    label: str
    value: int | None  # None: hidden
    text: str  # what is shown: the count with its unit, or 「5未満」


@dataclass
class PublishedTable:
    key: str
    section: str
    title: str
    unit: str
    cells: list[Cell]
    note: str = ""
    hidden: int = 0
    chart_rows: list[tuple[str, int]] = field(default_factory=list)


Provider = Callable[[int], list[StatTable]]
_providers: list[Provider] = []
_discovered = False


def provider(function: Provider) -> Provider:
    """Register a function `(fiscal_year) -> list[StatTable]` of an app's openstats module."""
    if function not in _providers:
        _providers.append(function)
    return function


def _all_providers() -> list[Provider]:
    global _discovered
    if not _discovered:
        autodiscover_modules("openstats")
        _discovered = True
    return list(_providers)


def suppressed_text() -> str:
    return _("%(n)s未満") % {"n": SUPPRESS_BELOW}


def publish(table: StatTable) -> PublishedTable:
    """Apply the publishing rules to one table."""
    hidden = {index for index, (_label, value) in enumerate(table.rows) if 0 < value < SUPPRESS_BELOW}
    if len(hidden) == 1:
        shown = [(value, index) for index, (_label, value) in enumerate(table.rows) if index not in hidden and value]
        if shown:
            hidden.add(min(shown)[1])
    cells = []
    for index, (label, value) in enumerate(table.rows):
        if index in hidden:
            cells.append(Cell(label=label, value=None, text=suppressed_text()))
        else:
            cells.append(Cell(label=label, value=value, text=f"{value:,}{table.unit}"))
    return PublishedTable(
        key=table.key,
        section=table.section,
        title=table.title,
        unit=table.unit,
        cells=cells,
        note=table.note,
        hidden=len(hidden),
        chart_rows=[(c.label, c.value) for c in cells if c.value is not None],
    )


def statistics_for(*, fiscal_year: int) -> list[PublishedTable]:
    """Every provider's tables for the year, with the publishing rules applied."""
    return [publish(table) for function in _all_providers() for table in function(fiscal_year)]
