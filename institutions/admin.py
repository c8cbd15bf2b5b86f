from django.contrib import admin

from .models import ConsultationRequest, MemberInvitation, Membership


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["company", "institution", "created_at", "left_at"]
    list_filter = [("institution", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["company", "institution"]
    search_fields = ["company__name", "institution__name"]


@admin.register(MemberInvitation)
class MemberInvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "company_name", "institution", "sent_at", "send_count", "accepted_at"]
    list_filter = [("institution", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["institution"]
    search_fields = ["email", "company_name"]
    exclude = ["nonce"]


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(ReadOnlyAdmin):
    list_display = ["company", "institution", "status", "booking", "created_at"]
    list_filter = ["status"]
    list_select_related = ["company", "institution", "booking"]
