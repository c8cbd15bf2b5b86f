"""The open statistics page per 年度, and the same figures as CSV and JSON (core.openstats holds the rules)."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .cache import conditional, until
from .charts import bar_chart_svg
from .csvexport import csv_response
from .jst import current_fiscal_year, last_complete_fiscal_year
from .openstats import SUPPRESS_BELOW, statistics_for, suppressed_text

FIRST_FISCAL_YEAR = 2021  # SMRJ's CN consultation window opened in October 2021 (reference/000)
# The figures are counted afresh every ten minutes: an anonymous answer is kept in Redis under its ETag (core.cache)
# for the rest of its ten minutes, so a busy page costs one count per language and format; the page says when.
COUNT_EVERY_SECONDS = 10 * 60


def _years() -> list[int]:
    return list(range(current_fiscal_year(), FIRST_FISCAL_YEAR - 1, -1))


def _counted_at() -> dt.datetime:
    """The start of the current ten-minute counting period."""
    start = int(timezone.now().timestamp()) // COUNT_EVERY_SECONDS * COUNT_EVERY_SECONDS
    return dt.datetime.fromtimestamp(start, tz=dt.UTC)


def _counted(request: HttpRequest, fiscal_year: int) -> dict:
    """The year's published tables, counted now. They read every area's data, most of it without a version: the
    answer changes with the counting period (core.cache.until)."""
    if fiscal_year not in _years():
        raise Http404(_("この年度の統計はありません。"))
    counted_at = _counted_at()
    until(request, counted_at + dt.timedelta(seconds=COUNT_EVERY_SECONDS))
    return {"tables": statistics_for(fiscal_year=fiscal_year), "counted_at": counted_at}


def rows_for_download(tables) -> list[list]:
    """One row per published cell: the same text as the page (a hidden cell says 「5未満」, never its count)."""
    return [
        [table.section, table.title, cell.label, cell.value if cell.value is not None else cell.text, table.unit]
        for table in tables
        for cell in table.cells
    ]


@require_GET
def open_statistics_latest(request: HttpRequest) -> HttpResponse:
    """The last complete 年度 (in December 2026: FY2025), the year people have all figures for."""
    return redirect("open_statistics", fiscal_year=last_complete_fiscal_year())


@require_GET
@conditional(max_age=COUNT_EVERY_SECONDS)
def open_statistics(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    counted = _counted(request, fiscal_year)
    sections: dict[str, list] = {}
    for table in counted["tables"]:
        chart = None
        if len(table.cells) > 1 and any(value for _label, value in table.chart_rows):
            chart = bar_chart_svg(table.chart_rows, title=table.title, unit=table.unit)
        sections.setdefault(table.section, []).append({"table": table, "chart": chart})
    context = {
        "fiscal_year": fiscal_year,
        "years": _years(),
        "sections": sections,
        "counted_at": counted["counted_at"],
        "threshold": SUPPRESS_BELOW,
        "suppressed": suppressed_text(),
        "in_progress": fiscal_year == current_fiscal_year(),
    }
    return render(request, "core/open_statistics.html", context)


@require_GET
@conditional(max_age=COUNT_EVERY_SECONDS)
def open_statistics_csv(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    tables = _counted(request, fiscal_year)["tables"]
    response = csv_response(
        filename=f"cn-portal-statistics-fy{fiscal_year}.csv",
        header=[_("区分"), _("表"), _("項目"), _("値"), _("単位")],
        rows=rows_for_download(tables),
    )
    return response


@require_GET
@conditional(max_age=COUNT_EVERY_SECONDS)
def open_statistics_json(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    counted = _counted(request, fiscal_year)
    body = {
        "fiscal_year": fiscal_year,
        "period": {"from": f"{fiscal_year}-04-01", "to": f"{fiscal_year + 1}-03-31"},
        "counted_at": counted["counted_at"].isoformat(),
        "suppressed_below": SUPPRESS_BELOW,
        "page": request.build_absolute_uri(reverse("open_statistics", args=[fiscal_year])),
        "tables": [
            {
                "key": table.key,
                "section": table.section,
                "title": table.title,
                "unit": table.unit,
                "note": table.note,
                "cells": [{"label": c.label, "value": c.value, "text": c.text} for c in table.cells],
            }
            for table in counted["tables"]
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    return response
