"""SMRJ desk: approve buyer staff and review needs through the services (each decision leaves an audit row)."""

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

from . import services
from .forms import MemberDecisionForm
from .models import (
    Attachment,
    AuditEvent,
    Buyer,
    BuyerMember,
    Meeting,
    MemberStatus,
    Need,
    NeedStatus,
    Proposal,
    SourceFigure,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _run(modeladmin, request, queryset, call, done: str) -> None:
    ok = 0
    for obj in queryset:
        try:
            call(obj)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, done % {"n": ok}, messages.SUCCESS)


def _with_reason(modeladmin, request, queryset, *, title: str, action: str, call, done: str):
    """An action that asks for a reason on an intermediate page before calling the service."""
    form = MemberDecisionForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        _run(modeladmin, request, queryset, lambda obj: call(obj, form.cleaned_data["note"]), done)
        return None
    return TemplateResponse(
        request,
        "admin/matching/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "objects": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
        },
    )


class MemberInline(ReadOnlyMixin, admin.TabularInline):
    model = BuyerMember
    fields = ["user", "department", "job_title", "status", "decided_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Buyer)
class BuyerAdmin(admin.ModelAdmin):
    list_display = ["name", "profile", "prefecture", "member_count", "need_count", "created_at"]
    search_fields = ["name", "profile"]
    list_filter = ["prefecture", "industry"]
    inlines = [MemberInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_members=Count("members", distinct=True), n_needs=Count("needs", distinct=True))
        )

    @admin.display(description=_("担当者"), ordering="n_members")
    def member_count(self, obj) -> int:
        return obj.n_members

    @admin.display(description=_("ニーズ"), ordering="n_needs")
    def need_count(self, obj) -> int:
        return obj.n_needs


@admin.register(BuyerMember)
class BuyerMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "buyer", "department", "job_title", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "buyer__name", "department"]
    list_select_related = ["user", "buyer", "decided_by"]
    readonly_fields = [
        "user",
        "buyer",
        "department",
        "job_title",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
    ]
    actions = ["approve", "reject", "revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("matching.approve_buyermember")

    @admin.action(description=_("選んだ担当者を承認する"), permissions=["approve"])
    def approve(self, request: HttpRequest, queryset):
        _run(
            self,
            request,
            queryset.filter(status=MemberStatus.PENDING),
            lambda m: services.buyer_member_approve(member_id=m.pk, actor=request.user),
            _("%(n)s人を承認しました。"),
        )

    @admin.action(description=_("選んだ担当者を不承認にする（理由を入力）"), permissions=["approve"])
    def reject(self, request: HttpRequest, queryset):
        return _with_reason(
            self,
            request,
            queryset.filter(status=MemberStatus.PENDING),
            title=_("不承認にする理由"),
            action="reject",
            call=lambda m, note: services.buyer_member_reject(member_id=m.pk, actor=request.user, note=note),
            done=_("%(n)s人を不承認にしました。"),
        )

    @admin.action(description=_("選んだ担当者の承認を取り消す（理由を入力）"), permissions=["approve"])
    def revoke(self, request: HttpRequest, queryset):
        return _with_reason(
            self,
            request,
            queryset.filter(status=MemberStatus.APPROVED),
            title=_("承認を取り消す理由"),
            action="revoke",
            call=lambda m, note: services.buyer_member_revoke(member_id=m.pk, actor=request.user, note=note),
            done=_("%(n)s人の承認を取り消しました。"),
        )


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["title", "buyer", "theme", "region", "deadline", "status", "submitted_at", "published_at"]
    list_filter = ["status", "theme", "region", "fiscal_year"]
    search_fields = ["title", "buyer__name", "summary"]
    list_select_related = ["buyer"]
    date_hierarchy = "deadline"
    readonly_fields = [
        "buyer",
        "created_by",
        "title",
        "theme",
        "summary",
        "sought",
        "conditions",
        "region",
        "deadline",
        "status",
        "submitted_at",
        "published_at",
        "fiscal_year",
        "reviewed_by",
        "review_note",
    ]
    actions = ["publish", "send_back"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("matching.review_need")

    @admin.action(description=_("選んだニーズを公開する"), permissions=["review"])
    def publish(self, request: HttpRequest, queryset):
        _run(
            self,
            request,
            queryset.filter(status=NeedStatus.IN_REVIEW),
            lambda n: services.need_publish(need_id=n.pk, actor=request.user),
            _("%(n)s件を公開しました。"),
        )

    @admin.action(description=_("選んだニーズを差し戻す（理由を入力）"), permissions=["review"])
    def send_back(self, request: HttpRequest, queryset):
        return _with_reason(
            self,
            request,
            queryset.filter(status=NeedStatus.IN_REVIEW),
            title=_("差し戻しの理由（直してほしい点）"),
            action="send_back",
            call=lambda n, note: services.need_return(need_id=n.pk, actor=request.user, note=note),
            done=_("%(n)s件を差し戻しました。"),
        )


class AttachmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "created_at"]
    readonly_fields = fields
    extra = 0


class MeetingInline(ReadOnlyMixin, admin.TabularInline):
    model = Meeting
    fields = ["status", "mode", "starts_at", "duration_minutes", "requested_by", "created_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["need", "company", "status", "created_at", "meeting_agreed_at", "outcome"]
    list_filter = ["status", "outcome", "need__theme", "need__fiscal_year"]
    search_fields = ["need__title", "company__name"]
    list_select_related = ["need", "company"]
    inlines = [AttachmentInline, MeetingInline]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "action", "actor", "buyer", "member", "need", "note"]
    list_filter = ["action"]
    search_fields = ["actor__email", "buyer__name", "need__title", "note"]
    list_select_related = ["actor", "buyer", "member", "member__user", "member__buyer", "need"]
    date_hierarchy = "at"


@admin.register(SourceFigure)
class SourceFigureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "fiscal_year",
        "buyers",
        "needs",
        "proposals",
        "proposing_smes",
        "negotiations",
        "negotiating_firms",
        "source",
    ]
