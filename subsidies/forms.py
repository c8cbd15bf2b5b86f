from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import Industry, Prefecture, Region
from core.forms import InputChecksMixin

from .models import ActionPlan, Activity, PlanType, Step, text_to_codes


def _blank(label):
    return [("", label)]


class FinderForm(InputChecksMixin, forms.Form):
    """A visitor's few questions (a logged-in company starts from its profile)."""

    employees = forms.IntegerField(
        label=_("従業員数（人）"), required=False, min_value=0, help_text=_("パート・アルバイトを含みます。")
    )
    prefecture = forms.ChoiceField(label=_("所在地"), required=False, choices=_blank(_("全国")) + Prefecture.choices)
    industry = forms.ChoiceField(label=_("業種"), required=False, choices=_blank(_("指定しない")) + Industry.choices)
    step = forms.ChoiceField(label=_("取り組みの段階"), required=False, choices=_blank(_("すべて")) + Step.choices)
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100, help_text=_("例: 省エネ、グリーン"))
    investment = forms.IntegerField(
        label=_("投資予定額（円）"),
        required=False,
        min_value=0,
        help_text=_("入力すると、補助率をかけた補助額の目安を表示します。"),
    )
    open = forms.BooleanField(label=_("受付中のみ"), required=False)
    past = forms.BooleanField(
        label=_("過去の制度も表示する"),
        required=False,
        help_text=_("受付を終えた制度（「過去の制度」）は、ふだんは結果に含めません。"),
    )


class ActionPlanSearchForm(InputChecksMixin, forms.Form):
    region = forms.ChoiceField(label=_("地域"), required=False, choices=_blank(_("全国")) + Region.choices)
    prefecture = forms.ChoiceField(
        label=_("都道府県"), required=False, choices=_blank(_("指定しない")) + Prefecture.choices
    )
    activity = forms.ChoiceField(
        label=_("支援内容"), required=False, choices=_blank(_("指定しない")) + Activity.choices
    )


class ActionPlanForm(InputChecksMixin, forms.Form):
    plan_type = forms.ChoiceField(
        label=_("プランの種類"),
        choices=PlanType.choices,
        initial=PlanType.CN,
        required=False,
        help_text=_("公表しているときの呼び方を選んでください。"),
    )
    title = forms.CharField(label=_("プラン名"), max_length=255)
    area = forms.CharField(label=_("管轄地域"), max_length=200, required=False)
    summary = forms.CharField(label=_("概要"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    activities = forms.MultipleChoiceField(
        label=_("支援内容"), required=False, choices=Activity.choices, widget=forms.CheckboxSelectMultiple
    )
    plan_date = forms.DateField(label=_("策定・更新日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    url = forms.URLField(label=_("プランのURL"), required=False, assume_scheme="https")

    @classmethod
    def initial_for(cls, plan: ActionPlan) -> dict:
        return {
            "plan_type": plan.plan_type,
            "title": plan.title,
            "area": plan.area,
            "summary": plan.summary,
            "activities": text_to_codes(plan.activities),
            "plan_date": plan.plan_date,
            "url": plan.url,
        }
