from django.contrib import admin

from .models import Share, ShareAccess


class ShareAccessInline(admin.TabularInline):
    model = ShareAccess
    fields = ["at", "user", "action", "fiscal_year"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    """Consent belongs to the company: staff read shares and their log here, and never edit them."""

    list_display = [
        "company",
        "kind",
        "institution",
        "booking",
        "recipient",
        "fiscal_year",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["kind", ("institution", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["company__name", "institution__name", "recipient"]
    list_select_related = ["company", "institution", "booking"]
    inlines = [ShareAccessInline]
    exclude = ["nonce"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ShareAccess)
class ShareAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "share", "user", "action", "fiscal_year"]
    list_select_related = ["share__company", "share__institution", "user"]
    list_filter = ["action", "share__kind"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
