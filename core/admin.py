from django.contrib import admin, messages
from django.contrib.sites.admin import SiteAdmin
from django.contrib.sites.models import Site
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .audit import AuditedAdmin
from .mail import outbox_resend
from .models import MailOutbox, MailResend


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
class MailOutboxAdmin(admin.ModelAdmin):
    """The desks (core.view_mailoutbox) see queued and failed mails; with core.resend_mailoutbox they send a failed
    one again through the outbox service. Nobody adds, edits or deletes a row here: the outbox owns its state."""

    list_display = ["key", "subject", "recipients", "state", "created_at", "sent_at", "attempts", "next_attempt_at"]
    list_filter = ["state", ("sent_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["key", "subject", "to"]
    readonly_fields = [
        "key",
        "to",
        "subject",
        "body",
        "state",
        "sent_at",
        "attempts",
        "last_error",
        "next_attempt_at",
        "give_up_at",
        "failed_at",
        "created_at",
    ]
    exclude = ["attachments", "lease_token", "lease_until"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.display(description=_("宛先"))
    def recipients(self, obj: MailOutbox) -> str:
        return ", ".join(obj.to)

    @admin.action(description=_("選択した送信失敗メールを再送する"), permissions=["resend"])
    def send_again(self, request, queryset) -> None:
        count = outbox_resend(rows=queryset, by=request.user)
        skipped = queryset.count() - count
        if count:
            self.message_user(
                request,
                ngettext("%(count)d件のメールを再送します。", "%(count)d件のメールを再送します。", count)
                % {"count": count},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                _("送信失敗ではないメール%(count)d件は対象外です。") % {"count": skipped},
                messages.WARNING,
            )

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("core.resend_mailoutbox")

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MailResend)
class MailResendAdmin(AuditedAdmin):
    """Who sent which failed mail again, and when (read-only; rows are written by outbox_resend)."""

    list_display = ["outbox", "resent_by", "created_at"]
    list_select_related = ["outbox", "resent_by"]
    readonly_fields = ["outbox", "resent_by", "created_at"]

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
