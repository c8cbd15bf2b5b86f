from django.contrib import admin
from django.contrib.sites.admin import SiteAdmin
from django.contrib.sites.models import Site
from django.utils.translation import gettext_lazy as _

from .models import MailOutbox


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Technical tables: invisible to the desk groups, whatever permissions a group is given."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


admin.site.unregister(Site)


@admin.register(Site)
class TechnicalSiteAdmin(SuperuserOnlyAdmin, SiteAdmin):
    pass


@admin.register(MailOutbox)
class MailOutboxAdmin(SuperuserOnlyAdmin):
    list_display = ["key", "subject", "recipients", "created_at", "sent_at", "attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["key", "subject", "to"]
    readonly_fields = ["key", "to", "subject", "body", "sent_at", "attempts", "last_error", "created_at"]
    exclude = ["attachments"]
    date_hierarchy = "created_at"

    @admin.display(description=_("宛先"))
    def recipients(self, obj: MailOutbox) -> str:
        return ", ".join(obj.to)

    def has_add_permission(self, request, *args) -> bool:
        return False
