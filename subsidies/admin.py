from datetime import time

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_site import DeskTabularInline
from core.audit import AuditedAdmin
from core.choices import Industry, Prefecture, prefecture_order
from core.errors import ApplicationError
from core.forms import InputChecksMixin
from core.jst import JA_DATE, format_jst_date, jst_date, jst_today

from .models import (
    ActionPlan,
    Activity,
    ApplicationRound,
    Follow,
    Measure,
    MeasureCheck,
    Track,
    TrackCap,
    codes_to_text,
    text_to_codes,
)
from .selectors import STALE_AFTER, check_state
from .services import ROUND_CLOSING_TIME, measure_mark_checked, round_window


class CodesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        return text_to_codes(value) if isinstance(value, str) else value

    def clean(self, value):
        return codes_to_text(super().clean(value))


class MeasureForm(InputChecksMixin, forms.ModelForm):
    industry = CodesField(label=_("対象業種（空欄なら全業種）"), choices=Industry.choices, required=False)
    target_area_search = CodesField(label=_("対象地域（空欄なら全国）"), choices=Prefecture.choices, required=False)

    class Meta:
        model = Measure
        exclude: list[str] = []


class ActionPlanForm(InputChecksMixin, forms.ModelForm):
    activities = CodesField(label=_("支援内容"), choices=Activity.choices, required=False)

    class Meta:
        model = ActionPlan
        exclude: list[str] = []


class TrackInline(DeskTabularInline):
    model = Track
    extra = 0
    show_change_link = True


class RoundForm(InputChecksMixin, forms.ModelForm):
    """Rounds are entered as days in Japan; the deadline is 23:59 JST of the closing day unless a time is given."""

    acceptance_start_date = forms.DateField(label=_("受付開始日"), widget=forms.DateInput(attrs={"type": "date"}))
    acceptance_end_date = forms.DateField(label=_("受付締切日"), widget=forms.DateInput(attrs={"type": "date"}))
    acceptance_end_time = forms.TimeField(
        label=_("締切時刻（日本時間）"),
        initial=time(23, 59),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("空欄なら23:59。"),
    )

    class Meta:
        model = ApplicationRound
        fields = ["name", "is_demo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["acceptance_start_date"] = jst_date(self.instance.acceptance_start_datetime)
            self.initial["acceptance_end_date"] = jst_date(self.instance.acceptance_end_datetime)
            end_time = timezone.localtime(self.instance.acceptance_end_datetime).time()
            self.initial["acceptance_end_time"] = end_time.replace(second=0)

    def clean(self):
        data = super().clean()
        start, end = data.get("acceptance_start_date"), data.get("acceptance_end_date")
        if start and end:
            closing = data.get("acceptance_end_time")
            closing = ROUND_CLOSING_TIME if closing is None or closing == time(23, 59) else closing
            try:
                opens, closes = round_window(start=start, end=end, closing=closing)
            except ApplicationError as exc:
                self.add_error("acceptance_end_date", exc.message)
            else:
                self.instance.acceptance_start_datetime = opens
                self.instance.acceptance_end_datetime = closes
        return data


class RoundInline(DeskTabularInline):
    model = ApplicationRound
    form = RoundForm
    extra = 0
    fields = ["name", "acceptance_start_date", "acceptance_end_date", "acceptance_end_time", "is_demo"]


class CheckInline(DeskTabularInline):
    model = MeasureCheck
    extra = 0
    can_delete = False
    fields = ["checked_at", "checked_by", "note"]
    readonly_fields = fields
    verbose_name_plural = _("確認の記録（「確認済みにする」操作で追加されます）")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CapInline(DeskTabularInline):
    model = TrackCap
    extra = 0


class ClosedFilter(admin.SimpleListFilter):
    title = _("受付状況")
    parameter_name = "window"

    def lookups(self, request, model_admin):
        return [("open", _("受付中")), ("closed", _("受付終了"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        open_ids = ApplicationRound.objects.filter(
            acceptance_start_datetime__lte=now, acceptance_end_datetime__gt=now
        ).values("measure_id")
        if self.value() == "open":
            return queryset.filter(pk__in=open_ids)
        if self.value() == "closed":
            return (
                queryset.exclude(pk__in=open_ids)
                .exclude(rounds__acceptance_start_datetime__gt=now)
                .filter(rounds__isnull=False)
                .distinct()
            )
        return queryset


class StaleFilter(admin.SimpleListFilter):
    title = _("確認状況")
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", _("要確認（未確認・1年以上前）")), ("never", _("一度も確認していない"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(Q(last_checked__isnull=True) | Q(last_checked__lt=jst_today() - STALE_AFTER))
        if self.value() == "never":
            return queryset.filter(last_checked__isnull=True)
        return queryset


@admin.action(description=_("確認済みにする（公式情報と照合した）"), permissions=["change"])
def mark_checked(modeladmin, request, queryset):
    """Records who checked and when; the only way the "last checked" date changes."""
    done = 0
    for measure in queryset:
        try:
            measure_mark_checked(measure=measure, user=request.user)
        except ApplicationError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
            return
        done += 1
    modeladmin.message_user(
        request,
        gettext("%(n)d 件の支援策を、%(who)s が %(day)s に確認済みとして記録しました。")
        % {"n": done, "who": request.user.email, "day": format_jst_date(jst_today(), JA_DATE)},
    )


@admin.register(Measure)
class MeasureAdmin(AuditedAdmin):
    form = MeasureForm
    list_display = [
        "name",
        "kind",
        "step",
        "source_date",
        "last_checked",
        "last_checked_by",
        "is_stale",
        "window",
        "ended",
        "source_url_kind",
        "from_jgrants",
    ]
    list_filter = [StaleFilter, ClosedFilter, "ended", "source_url_kind", "step", "kind", "from_jgrants"]
    search_fields = ["name", "description", "administering_body", "jgrants_id", "source_title"]
    readonly_fields = ["last_checked", "last_checked_by"]
    inlines = [TrackInline, RoundInline, CheckInline]
    actions = [mark_checked]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("last_checked_by").prefetch_related("rounds")

    @admin.display(boolean=True, description=_("要確認（未確認・1年以上前）"))
    def is_stale(self, obj: Measure) -> bool:
        return check_state(obj.last_checked, today=jst_today()) != "current"

    @admin.display(description=_("受付状況"))
    def window(self, obj: Measure) -> str:
        now = timezone.now()
        rounds = list(obj.rounds.all())
        if any(r.acceptance_start_datetime <= now < r.acceptance_end_datetime for r in rounds):
            return _("受付中")
        if any(r.acceptance_start_datetime > now for r in rounds):
            return _("受付予定")
        return _("受付終了") if rounds else "—"


@admin.register(Track)
class TrackAdmin(AuditedAdmin):
    list_display = ["name", "measure", "subsidy_rate"]
    list_select_related = ["measure"]
    inlines = [CapInline]


@admin.register(ApplicationRound)
class ApplicationRoundAdmin(AuditedAdmin):
    form = RoundForm
    fields = ["measure", "name", "acceptance_start_date", "acceptance_end_date", "acceptance_end_time", "is_demo"]
    list_display = ["measure", "name", "acceptance_start_datetime", "acceptance_end_datetime", "is_demo"]
    list_select_related = ["measure"]
    date_hierarchy = "acceptance_end_datetime"


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "measure", "filter_query", "created_at"]
    list_select_related = ["user", "measure"]
    raw_id_fields = ["user", "measure"]


@admin.register(ActionPlan)
class ActionPlanAdmin(AuditedAdmin):
    form = ActionPlanForm
    list_display = ["institution_name", "plan_type", "kind", "prefecture", "plan_date", "institution"]
    list_filter = ["plan_type", "kind", "prefecture"]
    search_fields = ["institution_name", "title", "summary"]
    raw_id_fields = ["institution"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by(prefecture_order("prefecture"), "area", "institution_name")
