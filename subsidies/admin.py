from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import Industry, Prefecture

from .models import (
    ActionPlan,
    Activity,
    ApplicationRound,
    Follow,
    Measure,
    Track,
    TrackCap,
    codes_to_text,
    text_to_codes,
)
from .selectors import STALE_AFTER


class CodesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        return text_to_codes(value) if isinstance(value, str) else value

    def clean(self, value):
        return codes_to_text(super().clean(value))


class MeasureForm(forms.ModelForm):
    industry = CodesField(label=_("対象業種（空欄なら全業種）"), choices=Industry.choices, required=False)
    target_area_search = CodesField(label=_("対象地域（空欄なら全国）"), choices=Prefecture.choices, required=False)

    class Meta:
        model = Measure
        exclude: list[str] = []


class ActionPlanForm(forms.ModelForm):
    activities = CodesField(label=_("支援内容"), choices=Activity.choices, required=False)

    class Meta:
        model = ActionPlan
        exclude: list[str] = []


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0
    show_change_link = True


class RoundInline(admin.TabularInline):
    model = ApplicationRound
    extra = 0


class CapInline(admin.TabularInline):
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
        return [("yes", _("1年以上未確認"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(last_checked__lt=timezone.localdate() - STALE_AFTER)
        return queryset


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    form = MeasureForm
    list_display = ["name", "kind", "step", "administering_body", "last_checked", "is_stale", "window", "from_jgrants"]
    list_filter = [StaleFilter, ClosedFilter, "step", "kind", "from_jgrants"]
    search_fields = ["name", "description", "administering_body", "jgrants_id"]
    inlines = [TrackInline, RoundInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rounds")

    @admin.display(boolean=True, description=_("要確認（1年以上）"))
    def is_stale(self, obj: Measure) -> bool:
        return obj.last_checked < timezone.localdate() - STALE_AFTER

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
class TrackAdmin(admin.ModelAdmin):
    list_display = ["name", "measure", "subsidy_rate"]
    list_select_related = ["measure"]
    inlines = [CapInline]


@admin.register(ApplicationRound)
class ApplicationRoundAdmin(admin.ModelAdmin):
    list_display = ["measure", "name", "acceptance_start_datetime", "acceptance_end_datetime"]
    list_select_related = ["measure"]
    date_hierarchy = "acceptance_end_datetime"


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "measure", "filter_query", "created_at"]
    list_select_related = ["user", "measure"]
    raw_id_fields = ["user", "measure"]


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    form = ActionPlanForm
    list_display = ["institution_name", "kind", "prefecture", "plan_date", "institution"]
    list_filter = ["kind", "prefecture"]
    search_fields = ["institution_name", "title", "summary"]
    raw_id_fields = ["institution"]
