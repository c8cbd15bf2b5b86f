"""The desk's side of expert dispatch: cases move only through the transition form, which calls the service."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.charts import bar_chart_svg
from core.csvexport import csv_response
from core.errors import ApplicationError
from core.forms import InputChecksMixin
from core.jst import format_jst, jst_today

from . import selectors, services
from .models import Case, CaseEvent, DayRate, Deliverable, Expert, Stage, Visit


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


class TransitionForm(InputChecksMixin, forms.Form):
    to = forms.ChoiceField(label=_("次の段階"))
    reason = forms.CharField(
        label=_("お断りの理由（お断りのとき）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    expert = forms.ModelChoiceField(
        label=_("担当専門家"), queryset=Expert.objects.filter(is_active=True), required=False
    )
    period_start = forms.DateField(
        label=_("支援期間（開始）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("支援期間（終了）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_expert_days = forms.DecimalField(label=_("計画人日"), required=False, max_digits=5, decimal_places=1)
    goals = forms.CharField(label=_("支援の目標"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    schedule = forms.CharField(label=_("スケジュール"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("メモ"), required=False, max_length=2000)

    def __init__(self, *args, moves, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = moves


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["pk", "company", "programme", "stage", "expert", "applied_jst"]
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
    fields = readonly_fields

    @admin.display(description=_("申込日時"), ordering="applied_at")
    def applied_jst(self, obj):
        return format_jst(obj.applied_at)

    @admin.display(description=_("段階を進める"))
    def transition_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:dispatch_case_transition", args=[obj.pk]),
            _("段階を進める"),
        )

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
        case = get_object_or_404(Case, pk=pk)
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        role = services.role_of(user=request.user, case=case)
        moves = [(to, Stage(to).label) for to in services.allowed_moves(case=case, role=role)]
        form = TransitionForm(request.POST or None, moves=moves, initial={"expert": case.expert_id})
        if request.method == "POST" and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            to = data.pop("to")
            try:
                services.case_transition(case=case, user=request.user, to=to, **data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(
                    request, _("#%(pk)s を「%(stage)s」に進めました。") % {"pk": case.pk, "stage": Stage(to).label}
                )
                return redirect("admin:dispatch_case_change", case.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("案件 #%(pk)s の段階を進める") % {"pk": case.pk},
            "case": case,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "dispatch/admin/transition.html", context)

    def statistics_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = jst_today()
        error = ""
        try:
            date_from = (
                dt.date.fromisoformat(request.GET.get("date_from") or "")
                if request.GET.get("date_from")
                else today - dt.timedelta(days=365)
            )
            date_to = dt.date.fromisoformat(request.GET.get("date_to") or "") if request.GET.get("date_to") else today
        except ValueError:
            date_from, date_to = today - dt.timedelta(days=365), today
            error = _("日付は YYYY-MM-DD の形で入力してください。直近12か月を表示しています。")
        if not (1900 <= date_from.year <= 2100 and 1900 <= date_to.year <= 2100):
            error = _("日付は1900年から2100年の間で入力してください。直近12か月を表示しています。")
            date_from, date_to = today - dt.timedelta(days=365), today
        if date_from > date_to:
            error = _("開始日が終了日より後になっています。直近12か月を表示しています。")
            date_from, date_to = today - dt.timedelta(days=365), today
        stats = selectors.statistics(date_from=date_from, date_to=date_to)
        if request.GET.get("format") == "csv":
            rows = []
            for title, key in self._dimensions():
                rows += [[title, label, n] for label, n in stats[key]]
            rows.append(
                [
                    _("申込みから報告書までの月数（中央値）"),
                    "",
                    stats["months_median"] if stats["months_median"] is not None else "",
                ]
            )
            rows.append([_("派遣人日（合計）"), "", stats["expert_days"]])
            return csv_response(filename="dispatch-statistics.csv", header=[_("集計"), _("区分"), _("件数")], rows=rows)
        sections = [
            {"title": title, "rows": stats[key], "chart": bar_chart_svg(stats[key], title=title, unit=_("件"))}
            for title, key in self._dimensions()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("専門家派遣の統計"),
            "date_from": date_from,
            "date_to": date_to,
            "error": error,
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
