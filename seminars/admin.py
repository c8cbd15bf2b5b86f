import datetime as dt
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin_site import DeskTabularInline
from core.audit import AuditedAdmin
from core.charts import bar_chart_svg
from core.csvexport import csv_response
from core.errors import ApplicationError
from core.jst import fiscal_year_of, format_jst, format_jst_date
from core.uploads import DOCX, JPEG, PDF, PNG, PPTX, XLSX, upload_check

from . import selectors, services
from .forms import CapacityForm
from .models import Audience, CoHost, Material, Registration, RegistrationStatus, Seminar, SeminarFormat, Session


class SessionInline(DeskTabularInline):
    model = Session
    extra = 1


class CoHostInline(DeskTabularInline):
    model = CoHost
    extra = 1


MATERIAL_KINDS = (PDF, PPTX, DOCX, XLSX, PNG, JPEG)


class MaterialForm(forms.ModelForm):
    """A handout is offered for download to anyone: the whole file must parse as the type its name claims."""

    class Meta:
        model = Material
        fields = ["title", "file"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and hasattr(upload, "content_type"):  # a new upload, not the file already stored
            try:
                upload_check(upload, name=upload.name, kinds=MATERIAL_KINDS, field="file")
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message) from exc
        return upload


class MaterialInline(DeskTabularInline):
    model = Material
    form = MaterialForm
    extra = 0


class RegistrationInline(DeskTabularInline):
    model = Registration
    fields = ["user", "organisation", "status", "waitlisted_at", "attended"]
    # Seats, the waitlist and attendance change through the services (the capacity page, the registration actions).
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["status", "waitlisted_at", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def export_attendees_csv(modeladmin, request: HttpRequest, queryset) -> HttpResponse:
    """Attendee list as CSV in UTF-8 with BOM, so that Excel in Japan opens it correctly."""
    rows = (
        Registration.objects.filter(seminar__in=queryset)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("seminar", "user")
        .order_by("seminar__held_on", "seminar__starts_at", "status", "created_at")
    )
    return csv_response(
        filename="seminar-attendees.csv",
        header=["セミナー", "開催日", "氏名", "メールアドレス", "所属", "状態", "出席", "申込日時"],
        rows=(
            [
                r.seminar.display_title,
                format_jst(r.seminar.starts_at) if r.seminar.starts_at else format_jst_date(r.seminar.held_on),
                r.user.get_full_name(),
                r.user.email,
                r.organisation,
                r.get_status_display(),
                {True: "出席", False: "欠席", None: ""}[r.attended],
                format_jst(r.created_at),
            ]
            for r in rows
        ),
    )


export_attendees_csv.short_description = _("参加者をCSVで出力（Excel対応）")


def announce_materials(modeladmin, request: HttpRequest, queryset) -> None:
    for seminar in queryset:
        try:
            count = services.seminar_announce_materials(seminar=seminar)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{seminar.title}: {exc.message}", messages.ERROR)
        else:
            modeladmin.message_user(
                request, _("%(title)s: %(n)d 件のお知らせを送ります。") % {"title": seminar.title, "n": count}
            )


announce_materials.short_description = _("資料公開のお知らせメールを送る")


@admin.register(Seminar)
class SeminarAdmin(AuditedAdmin):
    list_display = [
        "title",
        "held_on",
        "starts_at",
        "format",
        "prefecture",
        "capacity",
        "registered",
        "waitlisted",
        "final_headcount",
        "headcount_unit",
    ]
    list_filter = [
        "format",
        "prefecture",
        "for_sme",
        "for_institution",
        "for_financial",
        "for_consultant",
        "is_published",
    ]
    search_fields = ["title", "summary", "cohosts__name", "sessions__title"]
    date_hierarchy = "held_on"
    inlines = [SessionInline, CoHostInline, MaterialInline, RegistrationInline]
    actions = [export_attendees_csv, announce_materials]
    fieldsets = (
        (None, {"fields": ("title", "summary", "format", "held_on", "starts_at", "ends_at", "is_published")}),
        (_("会場・配信"), {"fields": ("venue", "prefecture", "streaming_url")}),
        (_("対象"), {"fields": ("for_sme", "for_institution", "for_financial", "for_consultant", "audience_note")}),
        (_("申込"), {"fields": ("accepts_registration", "capacity", "registration_close_hours")}),
        (
            _("実績"),
            {
                "fields": (
                    "final_headcount",
                    "headcount_unit",
                    "headcount_at_least",
                    "headcount_note",
                    "materials_announced_at",
                )
            },
        ),
    )
    readonly_fields = ["materials_announced_at"]

    def get_readonly_fields(self, request, obj=None):
        # Once a seminar exists its seats change through seminar_set_capacity (the waitlist moves up in order).
        if obj is not None:
            return [*self.readonly_fields, "capacity"]
        return self.readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)),
                n_waitlisted=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
            )
        )

    @admin.display(description=_("申込"), ordering="n_registered")
    def registered(self, obj) -> int:
        return obj.n_registered

    @admin.display(description=_("キャンセル待ち"), ordering="n_waitlisted")
    def waitlisted(self, obj) -> int:
        return obj.n_waitlisted

    def get_urls(self):
        return [
            path("summary/", self.admin_site.admin_view(self.summary_view), name="seminars_seminar_summary"),
            path(
                "<int:pk>/capacity/",
                self.admin_site.admin_view(self.capacity_view),
                name="seminars_seminar_capacity",
            ),
        ] + super().get_urls()

    def capacity_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Change the seats through the service, outside the change form's transaction."""
        seminar = get_object_or_404(Seminar, pk=pk)
        if not self.has_change_permission(request, seminar):
            raise PermissionDenied
        form = CapacityForm(request.POST or None, initial={"capacity": seminar.capacity})
        if request.method == "POST" and form.is_valid():
            try:
                seminar, promoted = services.seminar_set_capacity(
                    seminar=seminar, capacity=form.cleaned_data["capacity"]
                )
            except ApplicationError as exc:
                form.add_error("capacity", exc.message)
            else:
                seats = _("定員なし") if seminar.capacity is None else _("%(n)s名") % {"n": seminar.capacity}
                self.message_user(
                    request,
                    _(
                        "「%(seminar)s」の定員を%(seats)sにしました。キャンセル待ちから%(promoted)s名の参加が確定しました。"
                    )
                    % {"seminar": seminar, "seats": seats, "promoted": promoted},
                    messages.SUCCESS,
                )
                return redirect("admin:seminars_seminar_change", seminar.pk)
        counts = seminar.registrations.aggregate(
            registered=Count("pk", filter=Q(status=RegistrationStatus.REGISTERED)),
            waitlisted=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("定員の変更：%(seminar)s") % {"seminar": seminar},
            "opts": self.model._meta,
            "original": seminar,
            "form": form,
            **counts,
        }
        return TemplateResponse(request, "admin/seminars/seminar/capacity.html", context)

    def summary_view(self, request: HttpRequest) -> TemplateResponse:
        """Seminars and attendees per month, format and audience: the figures SMRJ reports."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        # 年度 (April–March), as SMRJ counts: `year` is a 年度, e.g. 2022 = 2022-04-01 … 2023-03-31
        year = request.GET.get("year", "")
        seminars = Seminar.objects.annotate(
            n_registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)),
            n_attended=Count("registrations", filter=Q(registrations__attended=True)),
        )
        if year.isdigit() and 1900 <= int(year) <= 2100:
            seminars = seminars.filter(held_on__gte=dt.date(int(year), 4, 1), held_on__lt=dt.date(int(year) + 1, 4, 1))
        seminars = list(seminars.prefetch_related("cohosts"))
        by_month = sorted(selectors.attendance_by(seminars, lambda s: s.held_on.strftime("%Y-%m")).items())
        by_format = selectors.attendance_by(seminars, lambda s: s.format)
        total = selectors.attendance_by(seminars, lambda s: "all").get("all", selectors.Attendance())
        by_audience: Counter = Counter(a for s in seminars for a in s.audiences)
        format_rows = [(str(SeminarFormat(f).label), by_format[f]) for f in SeminarFormat if f in by_format]
        audience_rows = [(str(Audience(a).label), by_audience[a]) for a in Audience if by_audience[a]]
        context = {
            **self.admin_site.each_context(request),
            "title": _("セミナー実績の集計"),
            "year": year,
            "years": sorted({fiscal_year_of(d) for d in Seminar.objects.dates("held_on", "month")}, reverse=True),
            "months": by_month,
            "format_rows": format_rows,
            "audience_rows": audience_rows,
            "total": total,
            "month_chart": bar_chart_svg(
                [(m, a.people) for m, a in by_month], title=str(_("月別の参加者数（人）")), unit="名", colour="#1a5fb4"
            ),
            "format_chart": bar_chart_svg(
                [(label, a.seminars) for label, a in format_rows], title=str(_("形式別の開催数")), unit="回"
            ),
            "audience_chart": bar_chart_svg(audience_rows, title=str(_("対象別の開催数")), unit="回"),
        }
        return TemplateResponse(request, "admin/seminars/summary.html", context)


def _attendance_action(attended: bool | None, label):
    def action(modeladmin, request, queryset):
        done = 0
        for registration in queryset.select_related("seminar", "user"):
            try:
                services.registration_set_attendance(registration=registration, attended=attended)
                done += 1
            except ApplicationError as exc:
                modeladmin.message_user(request, f"{registration.user}: {exc.message}", messages.WARNING)
        modeladmin.message_user(request, _("%(n)s件の出欠を記録しました。") % {"n": done})

    action.__name__ = {True: "mark_attended", False: "mark_absent", None: "mark_attendance_unknown"}[attended]
    action.short_description = label
    action.allowed_permissions = ("change",)
    return action


@admin.register(Registration)
class RegistrationAdmin(AuditedAdmin):
    list_display = ["seminar", "user", "organisation", "status", "waitlisted_at", "attended", "created_at"]
    list_filter = ["status", "attended", "seminar__format", ("seminar", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "organisation", "seminar__title"]
    list_select_related = ["seminar", "user"]
    fields = ["seminar", "user", "organisation", "status", "waitlisted_at", "cancelled_at", "attended", "created_at"]
    # Status and attendance change through the services (registration_cancel, registration_set_attendance).
    readonly_fields = [f for f in fields if f != "organisation"]
    actions = [
        _attendance_action(True, _("出席にする")),
        _attendance_action(False, _("欠席にする")),
        _attendance_action(None, _("出欠を未記録に戻す")),
    ]

    def has_add_permission(self, request) -> bool:
        return False
