from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from consultations.models import Advisor
from core.desk import has_second_factor
from core.errors import ApplicationError
from core.forms import InputChecksMixin

from . import services
from .models import AdvisorAccount, FollowUp, Recommendation


class InviteForm(InputChecksMixin, forms.ModelForm):
    """Adding an advisor account means inviting the advisor: the mail carries a link to set a password."""

    advisor = forms.ModelChoiceField(
        label=_("招待する専門家"),
        queryset=Advisor.objects.filter(account__isnull=True).order_by("name"),
        help_text=_("専門家に登録したメールアドレスに、パスワード設定用のリンク（7日間有効）を送ります。"),
    )

    class Meta:
        model = AdvisorAccount
        fields = ["advisor"]

    def clean_advisor(self):
        advisor = self.cleaned_data["advisor"]
        try:
            services.advisor_invite_check(advisor=advisor)
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from None
        return advisor


@admin.register(AdvisorAccount)
class AdvisorAccountAdmin(admin.ModelAdmin):
    list_display = ["advisor", "email", "invited_at", "activated_at", "second_factor"]
    list_select_related = ["advisor", "user"]
    search_fields = ["advisor__name", "user__email"]
    readonly_fields = ["advisor", "user", "invited_by", "invited_at", "activated_at"]
    actions = ["resend_invitation"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = InviteForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ["advisor"] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        account = services.advisor_invite(advisor=form.cleaned_data["advisor"], invited_by=request.user)
        obj.pk, obj.user, obj.advisor = account.pk, account.user, account.advisor
        obj._state.adding = False
        messages.info(request, _("%(email)s に招待メールを送りました。") % {"email": account.user.email})

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("メールアドレス"))
    def email(self, obj: AdvisorAccount) -> str:
        return obj.user.email

    @admin.display(description=_("二段階認証"), boolean=True)
    def second_factor(self, obj: AdvisorAccount) -> bool:
        return has_second_factor(obj.user)

    @admin.action(description=_("招待メールを再送する（パスワード未設定の専門家）"), permissions=["add"])
    def resend_invitation(self, request, queryset):
        sent = 0
        for account in queryset.select_related("advisor"):
            try:
                services.advisor_invite(advisor=account.advisor, invited_by=request.user)
                sent += 1
            except ApplicationError as error:
                self.message_user(request, f"{account.advisor}: {error.message}", messages.WARNING)
        self.message_user(request, _("%(n)s件の招待メールを送りました。") % {"n": sent})


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["booking", "written_by", "updated_at"]
    list_select_related = ["booking__company", "written_by"]
    readonly_fields = ["booking", "next_steps", "written_by"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["booking", "kind", "seminar", "measure", "created_by", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["booking__company", "seminar", "measure", "created_by"]
    readonly_fields = ["booking", "kind", "seminar", "measure", "note", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False
