"""The desk's side of expert dispatch: cases move only through the transition form, which calls the service."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from core.charts import bar_chart_svg
from core.csvexport import csv_response
from core.forms import DateRangeForm
from core.jst import format_jst

from . import selectors, services
from .models import Case, CaseEvent, DayRate, Deliverable, Expert, Visit


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    can_delete = False
    fields = ["number", "starts_at", "expert_days", "done", "readings"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_stage", "to_stage", "actor", "note"]
    readonly_fields = fields
    verbose_name_plural = _("履歴（誰が・いつ・どの段階に）")

    def has_add_permission(self, request, obj=None):
        return False


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    extra = 0
    can_delete = False
    fields = ["kind", "status", "rendered_at", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["pk", "company", "programme", "stage", "expert", "applied_jst", "page_link"]
    list_filter = ["programme", "stage", "expert"]
    search_fields = ["company__name"]
    list_select_related = ["company", "expert"]
    inlines = [VisitInline, DeliverableInline, EventInline]
    # The stage, the expert, the period and the plan change only through the transition form (the service).
    readonly_fields = [
        "programme",
        "stage",
        "company",
        "applied_by",
        "on_behalf_of",
        "shared_with",
        "origin",
        "wants",
        "sites",
        "equipment",
        "share_selfcheck",
        "applied_at",
        "expert",
        "decline_reason",
        "period_start",
        "period_end",
        "planned_expert_days",
        "goals",
        "schedule",
        "findings",
        "baseline_t",
        "after_t",
        "target_year",
        "target_reduction_pct",
        "roadmap",
        "transition_link",
    ]
    # The link to the case page (where the desk works on the case) comes first.
    fields = ["transition_link", *[f for f in readonly_fields if f != "transition_link"]]

    @admin.display(description=_("申込日時"), ordering="applied_at")
    def applied_jst(self, obj):
        return format_jst(obj.applied_at)

    @admin.display(description=_("案件ページ"))
    def transition_link(self, obj):
        """The one page where the desk moves the case, with its visits, deliverables, next action and history."""
        if not obj.pk:
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("dispatch:case", args=[obj.pk]),
            _("案件ページで段階を進める・訪問を記録する"),
        )

    @admin.display(description=_("案件ページ"))
    def page_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("dispatch:case", args=[obj.pk]), _("開く"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="dispatch_case_transition",
            ),
            path("statistics/", self.admin_site.admin_view(self.statistics_view), name="dispatch_statistics"),
        ] + super().get_urls()

    def transition_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Stage moves are made on the case page (one page for the case); this address leads there."""
        case = get_object_or_404(Case, pk=pk)
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        return redirect(reverse("dispatch:case", args=[case.pk]) + "#moves")

    def statistics_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        # The same period form as the bookings' statistics: a reversed range is an error and no figures.
        form = DateRangeForm(request.GET or None)
        stats, sections, period = None, [], ""
        by_year = selectors.cases_by_fiscal_year()
        if form.is_valid():
            date_from, date_to = form.range()
            period = form.label()
            stats = selectors.statistics(date_from=date_from, date_to=date_to)
            if request.GET.get("format") == "csv":
                rows = [[_("年度別（申込日）"), _("%(y)s年度") % {"y": y}, n] for y, n in by_year]
                for title, key in self._dimensions():
                    rows += [[f"{title}（{period}）", label, n] for label, n in stats[key]]
                rows.append(
                    [
                        _("申込みから報告書までの月数（中央値）"),
                        "",
                        stats["months_median"] if stats["months_median"] is not None else "",
                    ]
                )
                rows.append([_("派遣人日（合計）"), "", stats["expert_days"]])
                return csv_response(
                    filename="dispatch-statistics.csv", header=[_("集計"), _("区分"), _("件数")], rows=rows
                )
            sections = [
                {
                    "title": title,
                    "rows": stats[key],
                    "chart": bar_chart_svg(stats[key], title=title, unit=pgettext("unit: cases", "件")),
                }
                for title, key in self._dimensions()
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("専門家派遣の統計"),
            "form": form,
            "period": period,
            "by_year": by_year,
            "csv_query": (request.GET.urlencode() + "&" if request.GET else "") + "format=csv",
            "stats": stats,
            "sections": sections,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "dispatch/admin/statistics.html", context)

    @staticmethod
    def _dimensions():
        return [
            (_("支援メニュー別"), "by_programme"),
            (_("段階別"), "by_stage"),
            (_("地域別"), "by_region"),
            (_("業種別"), "by_industry"),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "statistics_url": reverse("admin:dispatch_statistics")}
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("成果物のPDFを作り直す"))
    def rerender(self, request, queryset):
        count = 0
        for case in queryset:
            for deliverable in case.deliverables.all():
                services.deliverable_request(case=case, kind=deliverable.kind)
                count += 1
        self.message_user(request, _("%(n)s件のPDFの作成を依頼しました。") % {"n": count}, messages.INFO)

    actions = ["rerender"]


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "qualifications", "is_active"]
    search_fields = ["name", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(DayRate)
class DayRateAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "yen_per_expert_day", "source"]
