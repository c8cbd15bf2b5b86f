"""The open statistics page per 年度, and the same figures as CSV and JSON (core.openstats holds the rules)."""

import hashlib

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET

from .charts import bar_chart_svg
from .csvexport import csv_response
from .jst import current_fiscal_year, format_jst, last_complete_fiscal_year
from .openstats import SUPPRESS_BELOW, statistics_for, suppressed_text

FIRST_FISCAL_YEAR = 2021  # SMRJ's CN consultation window opened in October 2021 (reference/000)
# The figures of a year move slowly: a page may be up to this old, and says when it was counted.
OPEN_STATISTICS_SECONDS = 10 * 60


def _years() -> list[int]:
    return list(range(current_fiscal_year(), FIRST_FISCAL_YEAR - 1, -1))


def _counted(fiscal_year: int) -> dict:
    """The year's published tables and when they were counted, kept in the shared cache for a few minutes."""
    if fiscal_year not in _years():
        raise Http404(_("この年度の統計はありません。"))
    key = f"openstats:{fiscal_year}:{get_language()}"
    counted = cache.get(key)
    if counted is None:
        counted = {"tables": statistics_for(fiscal_year=fiscal_year), "counted_at": timezone.now()}
        cache.set(key, counted, OPEN_STATISTICS_SECONDS)
    return counted


def _etag(request: HttpRequest, fiscal_year: int, fmt: str = "html") -> str:
    counted = _counted(fiscal_year)
    seed = f"{fiscal_year}:{get_language()}:{fmt}:{counted['counted_at'].isoformat()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def _public(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=OPEN_STATISTICS_SECONDS)
    return response


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
@condition(etag_func=_etag)
def open_statistics(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    counted = _counted(fiscal_year)
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
        "counted_at": format_jst(counted["counted_at"], "%Y年%m月%d日 %H:%M"),
        "threshold": SUPPRESS_BELOW,
        "suppressed": suppressed_text(),
        "in_progress": fiscal_year == current_fiscal_year(),
    }
    return _public(render(request, "core/open_statistics.html", context))


@require_GET
@condition(etag_func=lambda request, fiscal_year: _etag(request, fiscal_year, "csv"))
def open_statistics_csv(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    tables = _counted(fiscal_year)["tables"]
    response = csv_response(
        filename=f"cn-portal-statistics-fy{fiscal_year}.csv",
        header=[_("区分"), _("表"), _("項目"), _("値"), _("単位")],
        rows=rows_for_download(tables),
    )
    return _public(response)


@require_GET
@condition(etag_func=lambda request, fiscal_year: _etag(request, fiscal_year, "json"))
def open_statistics_json(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    counted = _counted(fiscal_year)
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
    return _public(response)
