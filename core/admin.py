from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import MailOutbox


@admin.register(MailOutbox)
class MailOutboxAdmin(admin.ModelAdmin):
    list_display = ["key", "subject", "recipients", "created_at", "sent_at", "attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["key", "subject", "to"]
    readonly_fields = ["key", "to", "subject", "body", "sent_at", "attempts", "last_error", "created_at"]
    exclude = ["attachments"]
    date_hierarchy = "created_at"

    @admin.display(description=_("宛先"))
    def recipients(self, obj: MailOutbox) -> str:
        return ", ".join(obj.to)

    def has_add_permission(self, request) -> bool:
        return False
