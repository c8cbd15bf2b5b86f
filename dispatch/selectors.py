"""Reads for the dispatch pages, the expert workspace and the desk's statistics."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from statistics import median

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from core.choices import PREFECTURE_REGION, Industry, Region
from core.jst import JST, annotate_fiscal_year
from selfcheck.selectors import sheets_of_company

from .models import Case, CaseEvent, Deliverable, Programme, Stage, Visit


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("company", "expert", "on_behalf_of", "shared_with").prefetch_related(
        Prefetch("visits", queryset=Visit.objects.order_by("number")),
        Prefetch("deliverables", queryset=Deliverable.objects.order_by("kind")),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("created_at", "pk")),
        "measures",
    )


def cases_of_company(*, company) -> QuerySet[Case]:
    return _cases().filter(company=company)


def cases_of_expert(*, expert) -> QuerySet[Case]:
    return _cases().filter(expert=expert)


def cases_of_institution(*, institution) -> QuerySet[Case]:
    """Cases an institution applied for or that the company shares with it."""

    return _cases().filter(Q(on_behalf_of=institution) | Q(shared_with=institution))


def case_get(*, pk: int) -> Case | None:
    return _cases().filter(pk=pk).first()


def shared_selfcheck(case: Case) -> list[dict]:
    """The company's self-check years, only if it agreed to share them with the case."""
    if not case.share_selfcheck:
        return []

    return [
        {"fiscal_year": s.fiscal_year, "total_t": s.total_t, "level": s.level}
        for s in sheets_of_company(company=case.company)
    ]


def cases_by_fiscal_year() -> list[tuple[int, int]]:
    """Cases per 年度 of their application (April–March, JST), oldest first."""
    rows = (
        annotate_fiscal_year(Case.objects.all(), "applied_at")
        .values("fiscal_year")
        .annotate(n=Count("pk"))
        .order_by("fiscal_year")
    )
    return [(row["fiscal_year"], row["n"]) for row in rows]


def statistics(*, date_from, date_to) -> dict:
    """Cases applied for in a date range (JST days), counted the ways the desk reports them."""

    start = dt.datetime.combine(date_from, dt.time(0), tzinfo=JST)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=JST)
    cases = list(
        Case.objects.filter(applied_at__gte=start, applied_at__lt=end)
        .select_related("company")
        .prefetch_related("events", "visits")
        .order_by("applied_at")
    )
    by_stage = Counter(c.stage for c in cases)
    by_programme = Counter(c.programme for c in cases)
    by_region = Counter(PREFECTURE_REGION.get(c.company.prefecture, "") for c in cases)
    by_industry = Counter(c.company.industry for c in cases)
    months = []
    for case in cases:
        report = next(
            (e for e in case.events.all() if e.to_stage in (Stage.REPORT_DELIVERED, Stage.FINAL_REPORT)), None
        )
        # A report filed before any visit had happened (possible until the rule came) measures nothing: left out.
        if report is not None and any(v.happened(report.created_at) for v in case.visits.all()):
            months.append(round((report.created_at - case.applied_at).days / 30.4, 1))
    days = Visit.objects.filter(case__in=[c.pk for c in cases]).aggregate(total=Sum("expert_days"))["total"]
    return {
        "total": len(cases),
        "by_stage": [(Stage(s).label, n) for s, n in sorted(by_stage.items(), key=lambda kv: -kv[1])],
        "by_programme": [(Programme(p).label, n) for p, n in sorted(by_programme.items())],
        "by_region": [(Region(r).label if r else "—", n) for r, n in sorted(by_region.items(), key=lambda kv: -kv[1])],
        "by_industry": [
            (Industry(i).label if i in Industry.values else "—", n)
            for i, n in sorted(by_industry.items(), key=lambda kv: -kv[1])
        ],
        "months_median": median(months) if months else None,
        "reports": len(months),
        "expert_days": days or Decimal(0),
    }


def deliverables_waiting() -> tuple[int, float]:
    """How many deliverable PDFs wait to be rendered, and the oldest one's wait in seconds (metrics)."""
    waiting = Deliverable.objects.filter(status=Deliverable.Status.QUEUED).aggregate(
        count=Count("pk"), oldest=Min("updated_at")
    )
    oldest = waiting["oldest"]
    return waiting["count"], max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
