from django.contrib import admin

from .models import Factor, FactorSet, SelfcheckSettings, Sheet


class FactorInline(admin.TabularInline):
    model = Factor
    extra = 0


@admin.register(FactorSet)
class FactorSetAdmin(admin.ModelAdmin):
    list_display = ["name", "fiscal_year", "is_default", "updated_at"]
    list_filter = ["fiscal_year", "is_default"]
    inlines = [FactorInline]


@admin.register(SelfcheckSettings)
class SelfcheckSettingsAdmin(admin.ModelAdmin):
    list_display = ["jpy_per_eur", "updated_at"]

    def has_add_permission(self, request):
        return not SelfcheckSettings.objects.exists()


@admin.register(Sheet)
class SheetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "fiscal_year", "total_t", "level", "pdf_status", "updated_at"]
    list_filter = ["fiscal_year", "pdf_status", "level"]
    search_fields = ["company__name"]
    list_select_related = ["company"]
    readonly_fields = [
        "pdf_path",
        "pdf_version",
        "pdf_rendered_version",
        "pdf_attempts",
        "pdf_error",
        "pdf_rendered_at",
    ]
