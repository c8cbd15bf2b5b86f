from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin_site import DeskTabularInline
from core.audit import AuditedAdmin
from core.errors import ApplicationError

from . import selectors, services
from .forms import DeskAmountsForm, FactorSetVersionForm
from .models import Factor, FactorSet, SelfcheckSettings, Sheet


class FactorInline(DeskTabularInline):
    model = Factor
    extra = 0
    fields = ["source", "t_per_unit", "unit", "scope", "gj_per_unit", "kg_per_m3", "source_text", "publication", "note"]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and selectors.factor_set_in_use(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and selectors.factor_set_in_use(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and selectors.factor_set_in_use(obj))


@admin.register(FactorSet)
class FactorSetAdmin(AuditedAdmin):
    """A set that a sheet was computed with is read-only; staff change it by creating its next version."""

    list_display = ["name", "fiscal_year", "version", "sheet_count", "created_at"]
    list_filter = ["fiscal_year"]
    inlines = [FactorInline]
    fields = ["name", "fiscal_year", "version", "previous", "source", "publication", "url", "note", "created_by"]
    change_form_template = "admin/selfcheck/factorset/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_sheets=Count("sheet"))

    @admin.display(description=_("使用しているシート"), ordering="n_sheets")
    def sheet_count(self, obj) -> int:
        return obj.n_sheets

    def get_readonly_fields(self, request, obj=None):
        if obj and selectors.factor_set_in_use(obj):
            return self.fields
        return ["version", "previous", "created_by"]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and selectors.factor_set_in_use(obj))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.version = services.factor_set_next_version(fiscal_year=obj.fiscal_year)
        super().save_model(request, obj, form, change)

    actions = ["copy_to_another_year"]

    @admin.action(description=_("選んだ係数セットを別の年度にコピーして値と出典を編集"))
    def copy_to_another_year(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("コピーする係数セットを1つだけ選んでください。"), messages.ERROR)
            return None
        return redirect("admin:selfcheck_factorset_copy", queryset.get().pk)

    def get_urls(self):
        return [
            path(
                "<int:pk>/new-version/",
                self.admin_site.admin_view(self.new_version_view),
                name="selfcheck_factorset_new_version",
            ),
            path(
                "<int:pk>/copy/",
                self.admin_site.admin_view(self.copy_view),
                name="selfcheck_factorset_copy",
            ),
        ] + super().get_urls()

    def copy_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Staff add a fiscal year's set by copying one, editing its values and its source line."""
        if not (self.has_add_permission(request) and request.user.has_perm("selfcheck.add_factor")):
            raise PermissionDenied
        base = get_object_or_404(FactorSet.objects.prefetch_related("factors"), pk=pk)
        form = FactorSetVersionForm(request.POST or None, base=base, copy_to_year=True)
        if request.method == "POST" and form.is_valid():
            try:
                created = services.factor_set_copy_to_year(base=base, user=request.user, **form.to_data())
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(
                    request,
                    _(
                        "%(year)s年度の係数セット（第%(v)s版）を作成しました。この年度の新しいシートと計算はこのセットを"
                        "使います。これまでのシートは、企業が結果ページで再計算を選ぶまで元の係数のままです。"
                    )
                    % {"year": created.fiscal_year, "v": created.version},
                    messages.SUCCESS,
                )
                return redirect("admin:selfcheck_factorset_change", created.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("排出係数セットを別の年度にコピー"),
            "base": base,
            "form": form,
            "copy": True,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/selfcheck/factorset/new_version.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = {"in_use": bool(obj and selectors.factor_set_in_use(obj))}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def new_version_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Staff change factors by creating the next version of the set; past results keep theirs."""
        if not (self.has_add_permission(request) and request.user.has_perm("selfcheck.add_factor")):
            raise PermissionDenied
        base = get_object_or_404(FactorSet.objects.prefetch_related("factors"), pk=pk)
        form = FactorSetVersionForm(request.POST or None, base=base)
        if request.method == "POST" and form.is_valid():
            try:
                created = services.factor_set_new_version(base=base, user=request.user, **form.to_data())
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(
                    request,
                    _("%(year)s年度の第%(v)s版を作成しました。これまでのシートの結果は変わりません。")
                    % {"year": created.fiscal_year, "v": created.version},
                    messages.SUCCESS,
                )
                return redirect("admin:selfcheck_factorset_change", created.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("排出係数セットの新しい版を作成"),
            "base": base,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/selfcheck/factorset/new_version.html", context)


@admin.register(SelfcheckSettings)
class SelfcheckSettingsAdmin(AuditedAdmin):
    list_display = ["jpy_per_eur", "sbt_sme_reduction_pct", "sbt_sme_reduction_source", "updated_at"]

    def has_add_permission(self, request):
        return not SelfcheckSettings.objects.exists()


@admin.register(Sheet)
class SheetAdmin(AuditedAdmin):
    list_display = ["__str__", "fiscal_year", "total_t", "level", "pdf_status", "updated_at"]
    list_filter = ["fiscal_year", "pdf_status", "level"]
    search_fields = ["company__name"]
    list_select_related = ["company"]

    def get_readonly_fields(self, request, obj=None):
        # The sheet is the company's answers and what the service derived from them (CO2, level, PDF): an amount
        # is corrected on the "使用量を修正" page, which recomputes and re-renders through sheet_save_step1.
        return [f.name for f in Sheet._meta.fields if f.name != "id"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/amounts/",
                self.admin_site.admin_view(self.amounts_view),
                name="selfcheck_sheet_amounts",
            ),
        ] + super().get_urls()

    def amounts_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        sheet = get_object_or_404(Sheet.objects.select_related("company", "factor_set"), pk=pk)
        if not self.has_change_permission(request, sheet):
            raise PermissionDenied
        form = DeskAmountsForm(request.POST or None, sheet=sheet)
        if request.method == "POST" and form.is_valid():
            try:
                sheet = services.sheet_save_step1(sheet=sheet, data=form.service_data(sheet))
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(
                    request,
                    _(
                        "%(sheet)s の使用量を保存しました。CO2排出量は%(total)s t-CO2、総合レベルは%(level)sです。PDFを作り直しています。"
                    )
                    % {
                        "sheet": sheet,
                        "total": sheet.total_t if sheet.total_t is not None else "—",
                        "level": sheet.level,
                    },
                    messages.SUCCESS,
                )
                return redirect("admin:selfcheck_sheet_change", sheet.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("使用量の修正：%(sheet)s") % {"sheet": sheet},
            "opts": self.model._meta,
            "original": sheet,
            "form": form,
        }
        return TemplateResponse(request, "admin/selfcheck/sheet/amounts.html", context)
