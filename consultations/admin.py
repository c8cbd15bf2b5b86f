import datetime as dt
from collections import Counter

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.charts import bar_chart_svg
from core.choices import EmployeeBand, Industry, RevenueBand
from core.csvexport import csv_response
from core.errors import ApplicationError
from core.jst import format_jst

from .models import (
    Advisor,
    AdvisorAvailability,
    AdvisorDayOff,
    Booking,
    BookingStatus,
    Closure,
    ConsultationWindow,
    OpeningRule,
    Topic,
)
from .services import JST, booking_set_status


class OpeningRuleInline(admin.TabularInline):
    model = OpeningRule
    extra = 0


@admin.register(ConsultationWindow)
class ConsultationWindowAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "online", "in_person", "address"]
    inlines = [OpeningRuleInline]


class AvailabilityInline(admin.TabularInline):
    model = AdvisorAvailability
    extra = 0


class DayOffInline(admin.TabularInline):
    model = AdvisorDayOff
    extra = 0


@admin.register(Advisor)
class AdvisorAdmin(admin.ModelAdmin):
    list_display = ["name", "expertise", "qualifications", "years_of_experience", "is_active"]
    list_filter = ["windows", "is_active"]
    filter_horizontal = ["windows"]
    inlines = [AvailabilityInline, DayOffInline]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "window", "reason"]
    list_filter = ["window"]


class TopicFilter(admin.SimpleListFilter):
    title = _("相談分野")
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return Topic.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(topics__contains=[self.value()])
        return queryset


class IndustryFilter(admin.SimpleListFilter):
    title = _("業種")
    parameter_name = "industry"

    def lookups(self, request, model_admin):
        return Industry.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(company__industry=self.value())
        return queryset


CSV_COLUMNS = [
    ("pk", _("予約番号")),
    ("start", _("開始")),
    ("window", _("窓口")),
    ("advisor", _("専門家")),
    ("status", _("状態")),
    ("company", _("企業")),
    ("industry", _("業種")),
    ("revenue_band", _("売上高")),
    ("employee_band", _("従業員数")),
    ("topics", _("相談分野")),
    ("mode", _("相談方法")),
    ("sitting_in", _("同席支援機関")),
    ("question", _("ご相談内容")),
]


def _status_action(status: str, label):
    def action(modeladmin, request, queryset):
        done = 0
        for booking in queryset.select_related("window", "advisor", "company", "created_by"):
            try:
                booking_set_status(booking=booking, status=status)
                done += 1
            except ApplicationError as exc:
                modeladmin.message_user(request, f"#{booking.pk}: {exc.message}", messages.WARNING)
        modeladmin.message_user(request, _("%(n)s件を更新しました。") % {"n": done})

    action.__name__ = f"mark_{status}"
    action.short_description = label
    return action


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["start_jst", "company", "window", "advisor", "status", "mode", "topics_display"]
    list_filter = ["window", "advisor", ("start", admin.DateFieldListFilter), "status", TopicFilter, IndustryFilter]
    search_fields = ["company__name", "question"]
    date_hierarchy = "start"
    list_select_related = ["company", "window", "advisor"]
    autocomplete_fields = []
    readonly_fields = ["company", "created_by", "start", "end", "topics", "question", "customer_request", "sequence"]
    fields = [
        "company",
        "created_by",
        "window",
        "advisor",
        "start",
        "end",
        "mode",
        "meeting_tool",
        "status",
        "meeting_url",
        "topics",
        "question",
        "customer_request",
        "sitting_in",
        "private_record",
        "sequence",
    ]
    actions = [
        _status_action(BookingStatus.CONFIRMED, _("確定にする")),
        _status_action(BookingStatus.DONE, _("実施済みにする")),
        _status_action(BookingStatus.NO_SHOW, _("無断欠席にする")),
        _status_action(BookingStatus.CANCELLED, _("キャンセルにする")),
        "export_csv",
    ]

    @admin.display(description=_("開始"), ordering="start")
    def start_jst(self, obj):
        return format_jst(obj.start)

    @admin.display(description=_("相談分野"))
    def topics_display(self, obj):
        return "、".join(obj.topic_labels())

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """A new advisor or meeting URL is news for the SME, the advisor and the desk (an updated .ics)."""
        notify = change and obj.is_active and bool({"advisor", "meeting_url", "mode"} & set(form.changed_data))
        if notify:
            obj.sequence += 1
        super().save_model(request, obj, form, change)
        if notify:
            from .notifications import notify_booking

            notify_booking(booking=obj, kind="changed")

    @admin.action(description=_("CSVで書き出す"))
    def export_csv(self, request, queryset):
        return bookings_csv(queryset)

    def get_urls(self):
        return [
            path("statistics/", self.admin_site.admin_view(self.statistics_view), name="consultations_statistics"),
            path("export/", self.admin_site.admin_view(self.export_all_view), name="consultations_export"),
        ] + super().get_urls()

    def export_all_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        cl = self.get_changelist_instance(request)
        return bookings_csv(cl.get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "statistics_url": reverse("admin:consultations_statistics")}
        return super().changelist_view(request, extra_context)

    def statistics_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        today = timezone.localdate()
        date_from = _parse_date(request.GET.get("date_from")) or today.replace(month=1, day=1) - dt.timedelta(days=365)
        date_to = _parse_date(request.GET.get("date_to")) or today
        stats = booking_statistics(date_from=date_from, date_to=date_to)
        context = {
            **self.admin_site.each_context(request),
            "title": _("相談の統計"),
            "date_from": date_from,
            "date_to": date_to,
            "stats": stats,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "consultations/admin/statistics.html", context)


def _parse_date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def bookings_csv(queryset) -> HttpResponse:
    rows = (
        [
            b.pk,
            format_jst(b.start),
            b.window.name,
            b.advisor.name,
            b.get_status_display(),
            b.company.name,
            b.company.get_industry_display(),
            b.company.get_revenue_band_display(),
            b.company.get_employee_band_display(),
            "、".join(b.topic_labels()),
            b.get_mode_display(),
            b.sitting_in.name if b.sitting_in else "",
            b.question,
        ]
        for b in queryset.select_related("window", "advisor", "company", "sitting_in").order_by("start")
    )
    return csv_response(filename="consultations.csv", header=[label for _, label in CSV_COLUMNS], rows=rows)


def booking_statistics(*, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Held or planned consultations (not cancelled) by category, industry, revenue and employee band."""
    start = dt.datetime.combine(date_from, dt.time(0), tzinfo=JST)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=JST)
    rows = list(
        Booking.objects.filter(start__gte=start, start__lt=end)
        .exclude(status=BookingStatus.CANCELLED)
        .values_list("topics", "company__industry", "company__revenue_band", "company__employee_band")
    )
    by_topic = Counter(t for topics, *_ in rows for t in topics)
    dims = [
        (_("相談分野別（複数選択あり）"), Topic.choices, by_topic, _("件")),
        (_("業種別"), Industry.choices, Counter(r[1] for r in rows), _("件")),
        (_("売上高別"), RevenueBand.choices, Counter(r[2] for r in rows), _("件")),
        (_("従業員数別"), EmployeeBand.choices, Counter(r[3] for r in rows), _("件")),
    ]
    total = len(rows)
    result = []
    for title, choices, counter, unit in dims:
        items = [(str(label), counter.get(value, 0)) for value, label in choices]
        result.append(
            {
                "title": title,
                "chart": bar_chart_svg(items, title=str(title), unit=str(unit)),
                "rows": [(label, n, round(100 * n / total, 1) if total else 0) for label, n in items],
                "total": total,
            }
        )
    return result
