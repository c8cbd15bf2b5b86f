from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from core.admin_site import DeskTabularInline
from core.audit import AuditedAdmin

from .models import Company, SupportInstitution, User
from .services import password_reset_send


class CompanyUserInline(DeskTabularInline):
    model = User
    fields = ["email", "last_name", "first_name", "is_active", "last_login"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("この企業のユーザー")
    verbose_name_plural = _("この企業のユーザー")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class InstitutionStaffInline(CompanyUserInline):
    verbose_name = _("この機関の職員")
    verbose_name_plural = _("この機関の職員")


class CompanyKindFilter(admin.SimpleListFilter):
    """Companies apart from the records support institutions book their own consultations under."""

    title = _("種別")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("company", _("企業")), ("institution", _("支援機関自身の相談用"))]

    def queryset(self, request, queryset):
        if self.value() in ("company", "institution"):
            return queryset.filter(for_institution__isnull=self.value() == "company")
        return queryset


@admin.register(Company)
class CompanyAdmin(AuditedAdmin):
    list_display = ["name", "kind", "prefecture", "industry", "employee_band", "revenue_band", "created_at"]
    list_filter = [CompanyKindFilter, "prefecture", "industry", "employee_band", "revenue_band"]
    list_select_related = ["for_institution"]
    search_fields = ["name", "users__email"]
    date_hierarchy = "created_at"
    inlines = [CompanyUserInline]

    @admin.display(description=_("種別"), ordering="for_institution")
    def kind(self, obj: Company) -> str:
        if obj.for_institution_id is None:
            return _("企業")
        return _("支援機関自身の相談用（%(institution)s）") % {"institution": obj.for_institution.name}


@admin.register(SupportInstitution)
class SupportInstitutionAdmin(AuditedAdmin):
    list_display = ["name", "kind", "prefecture", "staff_count", "created_at"]
    list_filter = ["kind", "prefecture"]
    search_fields = ["name"]
    inlines = [InstitutionStaffInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_staff=Count("staff"))

    @admin.display(description=_("職員数"), ordering="n_staff")
    def staff_count(self, obj: SupportInstitution) -> int:
        return obj.n_staff


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "last_name",
        "first_name",
        "kind",
        "company",
        "institution",
        "is_staff",
        "last_login",
    ]
    list_filter = [
        "is_staff",
        "is_superuser",
        "is_active",
        "groups",
        ("institution", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["email", "last_name", "first_name", "company__name", "institution__name"]
    list_select_related = ["company", "institution"]
    autocomplete_fields = ["company", "institution"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("氏名"), {"fields": ("last_name", "first_name")}),
        (_("所属"), {"fields": ("company", "institution")}),
        (_("権限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("日時"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "institution")}),)
    # What the account group (アカウント管理) sees: no staff flag, no superuser flag, no groups or permissions, and
    # no password (it sends the password-reset mail instead; the e-mail address it cannot change, or a reset mail
    # to an address of its choosing would take the account over).
    manager_fieldsets = (
        (None, {"fields": ("email",)}),
        (_("氏名"), {"fields": ("last_name", "first_name")}),
        (_("所属"), {"fields": ("company", "institution")}),
        (_("状態"), {"fields": ("is_active",)}),
        (_("日時"), {"fields": ("last_login", "date_joined")}),
    )

    actions = ["send_password_reset"]

    # Least privilege: only a superuser sees or changes staff accounts (their passwords and change history
    # included), the superuser flag, groups and permissions. Everyone else with user permissions manages SME and
    # institution users only: no staff, no advisors, experts or buyers' members (who see other companies' data),
    # none of them even in their queryset, so their change, password and history pages answer 404.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            is_staff=False,
            is_superuser=False,
            advisor_account__isnull=True,
            expert__isnull=True,
            buyer_membership__isnull=True,
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["email", "last_login", "date_joined"]

    def user_change_password(self, request, id, form_url=""):
        """Only a superuser sets a password here; the account group sends the reset mail (an action)."""
        if not request.user.is_superuser:
            raise Http404
        return super().user_change_password(request, id, form_url)

    def history_view(self, request, object_id, extra_context=None):
        self._refuse_staff_history(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._refuse_staff_history(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _refuse_staff_history(self, request, object_id) -> None:
        """A staff or superuser account's history (e-mail, group changes), now or at any time: superusers only."""
        if request.user.is_superuser:
            return
        object_id = unquote(object_id)
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        if User.history.filter(id=object_id).filter(Q(is_staff=True) | Q(is_superuser=True)).exists():
            raise Http404

    @admin.action(description=_("パスワード再設定のメールを送る"), permissions=["change"])
    def send_password_reset(self, request, queryset):
        sent = 0
        for user in queryset:
            if password_reset_send(request=request, user=user):
                self.log_change(request, user, [{"changed": {"fields": [str(_("パスワード再設定のメール"))]}}])
                sent += 1
        self.message_user(request, _("%(n)s件のアカウントにパスワード再設定のメールを送りました。") % {"n": sent})

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.manager_fieldsets

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return ["is_active", ("institution", admin.RelatedOnlyFieldListFilter)]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("種別"))
    def kind(self, obj: User) -> str:
        if obj.is_staff:
            return _("中小機構職員")
        if obj.institution_id:
            return _("支援機関職員")
        return _("中小企業")
