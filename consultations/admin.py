from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_site import DeskTabularInline
from core.audit import AuditedAdmin
from core.choices import Industry
from core.csvexport import csv_response
from core.errors import ApplicationError
from core.jst import fiscal_year_of, format_jst, jst_today

from . import selectors, services
from .forms import (
    AvailabilityFormSet,
    DayOffForm,
    DeskMeetingForm,
    DeskMoveForm,
    DeskStatusForm,
    StatisticsRangeForm,
)
from .models import (
    UNCONFIRMED,
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
from .selectors import booking_counts_by_fiscal_year, booking_statistics
from .services import booking_set_status


class OpeningRuleInline(DeskTabularInline):
    model = OpeningRule
    extra = 0


@admin.register(ConsultationWindow)
class ConsultationWindowAdmin(AuditedAdmin):
    list_display = ["name", "code", "online", "in_person", "address"]
    inlines = [OpeningRuleInline]


class _ReadOnlyInline(DeskTabularInline):
    """Shown on the advisor's page; changed only on the 「対応可能時間と休み」 page, through the services that hold
    the rules (within the windows' hours, no day off over a booking, the history, the cached slots)."""

    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AvailabilityInline(_ReadOnlyInline):
    model = AdvisorAvailability
    fields = ["weekday", "start", "end"]


class DayOffInline(_ReadOnlyInline):
    model = AdvisorDayOff
    fields = ["date"]


class AdvisorForm(forms.ModelForm):
    topics = forms.MultipleChoiceField(
        label=_("対応できる相談分野"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("専門家を指名しない予約は、選ばれた分野を最も多く担当できる、空いている専門家に割り当てます。"),
    )

    class Meta:
        model = Advisor
        fields = [
            "name",
            "email",
            "photo",
            "expertise",
            "topics",
            "qualifications",
            "years_of_experience",
            "bio",
            "windows",
            "is_active",
        ]


@admin.register(Advisor)
class AdvisorAdmin(AuditedAdmin):
    form = AdvisorForm
    list_display = ["name", "topics_display", "qualifications", "years_of_experience", "is_active"]
    list_filter = ["windows", "is_active"]
    filter_horizontal = ["windows"]
    inlines = [AvailabilityInline, DayOffInline]
    readonly_fields = ["hours_link"]

    @admin.display(description=_("対応できる相談分野"))
    def topics_display(self, obj: Advisor) -> str:
        return "、".join(obj.topic_labels) or "—"

    @admin.display(description=_("対応可能時間と休み"))
    def hours_link(self, obj: Advisor) -> str:
        if obj.pk is None:
            return _("保存した後で登録できます。")
        url = reverse("admin:consultations_advisor_hours", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("対応可能時間と休みを変更する"))

    def get_urls(self):
        return [
            path("<int:pk>/hours/", self.admin_site.admin_view(self.hours_view), name="consultations_advisor_hours"),
        ] + super().get_urls()

    def hours_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The desk keeps an advisor's weekly hours and days off through the same services as the advisor."""
        advisor = get_object_or_404(Advisor, pk=pk)
        if not self.has_change_permission(request, advisor):
            raise PermissionDenied
        formset = AvailabilityFormSet.showing(selectors.advisor_weekly_hours(advisor_id=advisor.pk))
        day_off_form = DayOffForm(prefix="off")
        which = request.POST.get("which") if request.method == "POST" else None
        try:
            if which == "hours":
                formset = AvailabilityFormSet(request.POST, prefix="av")
                if formset.is_valid():
                    services.advisor_hours_replace(advisor=advisor, rows=formset.rows(), by=request.user)
                    self.message_user(request, _("対応可能時間を保存しました。"), messages.SUCCESS)
                    return redirect("admin:consultations_advisor_hours", advisor.pk)
            elif which == "day_off":
                day_off_form = DayOffForm(request.POST, prefix="off")
                if day_off_form.is_valid():
                    date = day_off_form.cleaned_data["date"]
                    services.advisor_day_off_add(advisor=advisor, date=date, by=request.user)
                    self.message_user(request, _("%(date)sを休みにしました。") % {"date": date}, messages.SUCCESS)
                    return redirect("admin:consultations_advisor_hours", advisor.pk)
            elif which == "day_off_remove":
                form = DayOffForm(request.POST, prefix="remove")
                if form.is_valid():
                    date = form.cleaned_data["date"]
                    services.advisor_day_off_remove(advisor=advisor, date=date, by=request.user)
                    self.message_user(request, _("%(date)sの休みを取り消しました。") % {"date": date}, messages.SUCCESS)
                else:
                    self.message_user(request, _("日付が正しくありません。"), messages.ERROR)
                return redirect("admin:consultations_advisor_hours", advisor.pk)
        except ApplicationError as exc:
            if which == "hours":
                formset._non_form_errors = formset.error_class([exc.message])
            else:
                day_off_form.add_error("date", exc.message)
        context = {
            **self.admin_site.each_context(request),
            "title": _("対応可能時間と休み：%(name)s") % {"name": advisor.name},
            "opts": self.model._meta,
            "original": advisor,
            "advisor": advisor,
            "windows": advisor.windows.prefetch_related("rules"),
            "formset": formset,
            "day_off_form": day_off_form,
            "days_off": selectors.advisor_days_off(advisor_id=advisor.pk, date_from=jst_today()),
            "has_errors": (formset.is_bound and not formset.is_valid()) or bool(day_off_form.errors),
        }
        return TemplateResponse(
            request, "admin/consultations/advisor/hours.html", context, status=400 if context["has_errors"] else 200
        )


@admin.register(Closure)
class ClosureAdmin(AuditedAdmin):
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
    """The company's industry when it booked (the snapshot the statistics count)."""

    title = _("業種")
    parameter_name = "industry"

    def lookups(self, request, model_admin):
        return Industry.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(company_industry=self.value())
        return queryset


CSV_COLUMNS = [
    ("pk", _("予約番号")),
    ("fiscal_year", _("年度")),
    ("start", _("開始")),
    ("window", _("窓口")),
    ("advisor", _("専門家")),
    ("status", _("状態")),
    ("company", _("企業")),
    ("created_by", _("申込者")),
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
        for booking in queryset.order_by("start"):
            try:
                booking_set_status(booking=booking, status=status)
                done += 1
            except ApplicationError as exc:
                modeladmin.message_user(
                    request, f"#{booking.pk}（{format_jst(booking.start)}）: {exc.message}", messages.WARNING
                )
        modeladmin.message_user(request, _("%(n)s件を更新しました。") % {"n": done})

    action.__name__ = f"mark_{status}"
    action.short_description = label
    action.allowed_permissions = ("change",)
    return action


@admin.register(Booking)
class BookingAdmin(AuditedAdmin):
    list_display = ["start_jst", "company", "window", "advisor", "status", "mode", "topics_display"]
    list_filter = ["window", "advisor", ("start", admin.DateFieldListFilter), "status", TopicFilter, IndustryFilter]
    search_fields = ["company__name", "question"]
    date_hierarchy = "start"
    list_select_related = ["company", "window", "advisor"]
    # Status, time, advisor, window and how the meeting is held change only through the desk services (the
    # "予約の変更" page and the list's actions), which own the rules, the locks and the mails.
    fields = [
        "company",
        "created_by",
        "status",
        "window",
        "advisor",
        "start_jst",
        "end_jst",
        "mode",
        "meeting_tool",
        "meeting_url",
        "topics_display",
        "routing_display",
        "question",
        "customer_request",
        "snapshot_display",
        "sitting_in",
        "private_record",
        "cancelled_at_jst",
        "sequence",
    ]
    readonly_fields = [f for f in fields if f not in ("sitting_in", "private_record")]
    actions = [
        _status_action(BookingStatus.CONFIRMED, _("確定にする")),
        _status_action(BookingStatus.DONE, _("実施済みにする")),
        _status_action(BookingStatus.NO_SHOW, _("無断欠席にする")),
        _status_action(BookingStatus.CANCELLED, _("キャンセルにする")),
        "export_csv",
    ]

    @admin.display(description=_("担当決定の理由"))
    def routing_display(self, obj: Booking) -> str:
        return services.routing_explanation(obj)

    @admin.display(description=_("開始"), ordering="start")
    def start_jst(self, obj):
        return format_jst(obj.start)

    @admin.display(description=_("終了"))
    def end_jst(self, obj):
        return format_jst(obj.end)

    @admin.display(description=_("キャンセル日時"))
    def cancelled_at_jst(self, obj):
        return format_jst(obj.cancelled_at) or "—"

    @admin.display(description=_("相談分野"))
    def topics_display(self, obj):
        return "、".join(obj.topic_labels())

    @admin.display(description=_("予約時の企業区分（統計用）"))
    def snapshot_display(self, obj):
        return " / ".join(str(label) for label in obj.snapshot_labels())

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A booking is cancelled through the workflow (the company is told), never deleted.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status in (BookingStatus.CANCELLED, *UNCONFIRMED):
            return [*self.readonly_fields, "private_record"]  # booking_record_set refuses it: not offered
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        """The record through its service (its rule, who wrote it); the institution sitting in saved alone."""
        if "private_record" in form.changed_data:
            try:
                saved = services.booking_record_set(
                    booking=obj, private_record=form.cleaned_data["private_record"], by=request.user
                )
            except ApplicationError as exc:  # the status changed while the form was being sent
                self.message_user(request, exc.message, messages.ERROR)
                obj.refresh_from_db(fields=["private_record"])
            else:
                obj.private_record = saved.private_record
        if "sitting_in" in form.changed_data:
            obj.save(update_fields=["sitting_in", "updated_at"])

    @admin.action(description=_("CSVで書き出す"))
    def export_csv(self, request, queryset):
        return bookings_csv(queryset)

    def get_urls(self):
        return [
            path("statistics/", self.admin_site.admin_view(self.statistics_view), name="consultations_statistics"),
            path("export/", self.admin_site.admin_view(self.export_all_view), name="consultations_export"),
            path("<int:pk>/desk/", self.admin_site.admin_view(self.desk_view), name="consultations_booking_desk"),
        ] + super().get_urls()

    def export_all_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        cl = self.get_changelist_instance(request)
        return bookings_csv(cl.get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "statistics_url": reverse("admin:consultations_statistics")}
        return super().changelist_view(request, extra_context)

    def desk_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The desk's changes to one booking, each through its service (outside the change form's transaction)."""
        booking = get_object_or_404(Booking.objects.select_related("company", "window", "advisor"), pk=pk)
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        forms = {
            "status": DeskStatusForm(booking=booking, prefix="status"),
            "move": DeskMoveForm(booking=booking, prefix="move"),
            "meeting": DeskMeetingForm(booking=booking, prefix="meeting"),
        }
        which = request.POST.get("which") if request.method == "POST" else None
        if which in forms:
            form = type(forms[which])(request.POST, booking=booking, prefix=which)
            forms[which] = form
            if form.is_valid():
                try:
                    message = form.apply(booking)
                except ApplicationError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    self.message_user(request, message, messages.SUCCESS)
                    return redirect("admin:consultations_booking_change", booking.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("予約の変更：%(company)s %(start)s")
            % {"company": booking.company.name, "start": format_jst(booking.start)},
            "opts": self.model._meta,
            "original": booking,
            "booking": booking,
            "start_jst": format_jst(booking.start),
            "end_jst": format_jst(booking.end, "%H:%M"),
            "forms": forms,
            "has_errors": any(f.is_bound and f.errors for f in forms.values()),
        }
        return TemplateResponse(request, "admin/consultations/booking/desk.html", context)

    def statistics_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = StatisticsRangeForm(request.GET or None)
        stats = []
        by_year = booking_counts_by_fiscal_year()
        if form.is_valid():
            date_from, date_to = form.range()
            stats = booking_statistics(date_from=date_from, date_to=date_to)
            if request.GET.get("format") == "csv":
                period = form.label()
                rows = [[_("年度別（キャンセルを除く）"), _("%(y)s年度") % {"y": y}, n, ""] for y, n in by_year]
                rows += [
                    [f"{dim['title']}（{period}）", label, n, pct] for dim in stats for label, n, pct in dim["rows"]
                ]
                return csv_response(
                    filename="consultations-statistics.csv",
                    header=[_("集計"), _("区分"), _("件数"), _("割合（%）")],
                    rows=rows,
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("相談の統計"),
            "form": form,
            "stats": stats,
            "period": form.label() if form.is_valid() else "",
            "by_year": by_year,
            "csv_query": (request.GET.urlencode() + "&" if request.GET else "") + "format=csv",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "consultations/admin/statistics.html", context, status=200)


def bookings_csv(queryset) -> HttpResponse:
    rows = (
        [
            b.pk,
            fiscal_year_of(b.start),
            format_jst(b.start),
            b.window.name,
            b.advisor.name,
            b.get_status_display(),
            b.company.name,
            b.created_by.get_full_name() if b.created_by_id else "",
            *[str(label) for label in b.snapshot_labels()],
            "、".join(b.topic_labels()),
            b.get_mode_display(),
            b.sitting_in.name if b.sitting_in else "",
            b.question,
        ]
        for b in queryset.select_related("window", "advisor", "company", "sitting_in", "created_by").order_by("start")
    )
    return csv_response(filename="consultations.csv", header=[label for _, label in CSV_COLUMNS], rows=rows)
