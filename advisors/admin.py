from functools import partial

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consultations.models import Advisor
from core.audit import AuditedAdmin
from core.desk import has_second_factor
from core.errors import ApplicationError
from core.forms import InputChecksMixin
from core.jst import format_jst

from . import services
from .forms import MoveDeclineForm
from .models import AdvisorAccount, FollowUp, MoveRequest, Recommendation


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


@admin.register(MoveRequest)
class MoveRequestAdmin(AuditedAdmin):
    """Advisors' requests to move a booking: the desk approves (the booking moves through booking_move, the company
    is mailed) or declines with a reason the advisor reads. Nothing here is edited by hand."""

    list_display = ["booking_link", "advisor", "current_jst", "start_jst", "status", "created_jst"]
    list_filter = ["status"]
    list_select_related = ["booking", "booking__advisor", "booking__company"]
    search_fields = ["booking__company__name", "booking__advisor__name", "reason"]
    fields = [
        "booking_link",
        "advisor",
        "current_jst",
        "start_jst",
        "reason",
        "status",
        "decided_by",
        "decided_jst",
        "desk_note",
    ]
    readonly_fields = fields
    actions = ["approve", "decline"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("相談予約"))
    def booking_link(self, obj):
        url = reverse("admin:consultations_booking_change", args=[obj.booking_id])
        return format_html('<a href="{}">{}</a>', url, obj.booking)

    @admin.display(description=_("専門家"))
    def advisor(self, obj):
        return obj.booking.advisor.name

    @admin.display(description=_("いまの日時"))
    def current_jst(self, obj):
        return format_jst(obj.booking.start)

    @admin.display(description=_("希望する日時"), ordering="start")
    def start_jst(self, obj):
        return format_jst(obj.start)

    @admin.display(description=_("依頼日時"), ordering="created_at")
    def created_jst(self, obj):
        return format_jst(obj.created_at)

    @admin.display(description=_("判断した日時"))
    def decided_jst(self, obj):
        return format_jst(obj.decided_at) or "—"

    def _decide(self, request, queryset, decide) -> None:
        done = 0
        for item in queryset.order_by("pk"):
            try:
                decide(request_id=item.pk, user=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{item}: {exc.message}", messages.WARNING)
        self.message_user(request, _("%(n)s件を処理しました。") % {"n": done})

    @admin.action(description=_("承認して予約を移す（企業にお知らせします）"), permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, services.move_request_approve)

    @admin.action(description=_("見送る（理由を専門家に伝えます。予約はそのまま）"), permissions=["change"])
    def decline(self, request, queryset):
        """A page of its own asks for the reason (the advisor reads it in the workspace and the mail); the requests
        are declined only with one. `step` is a hidden field, so the form works whether or not the button is sent."""
        form = MoveDeclineForm(request.POST if request.POST.get("step") == "note" else None)
        if form.is_bound and form.is_valid():
            self._decide(request, queryset, partial(services.move_request_decline, note=form.cleaned_data["note"]))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("日時変更の依頼を見送る"),
            "opts": self.model._meta,
            "items": queryset.select_related("booking__advisor", "booking__company").order_by("pk"),
            "form": form,
        }
        return TemplateResponse(
            request, "admin/advisors/moverequest/decline.html", context, status=400 if form.errors else 200
        )
