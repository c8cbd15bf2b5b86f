from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SupportInstitution
from core.forms import InputChecksMixin
from core.jst import JST

from .models import Expert, Family, Programme, Rank, Stage


class ApplyForm(InputChecksMixin, forms.Form):
    programme = forms.ChoiceField(label=_("支援メニュー"), choices=Programme.choices, widget=forms.RadioSelect)
    wants = forms.CharField(
        label=_("相談したいこと・目指すこと"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例：取引先からCO2排出量の報告を求められている。工場の電気代を下げたい。"),
    )
    sites = forms.CharField(
        label=_("事業所・工場"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("所在地と、事務所・工場・倉庫などの別、おおよその広さ"),
    )
    equipment = forms.CharField(
        label=_("主な設備"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例：空調、コンプレッサ、ボイラ、照明、社用車"),
    )
    share_selfcheck = forms.BooleanField(
        label=_("セルフチェックの結果（全年度）を担当の専門家と窓口に共有する"), required=False
    )
    shared_with = forms.ModelChoiceField(
        label=_("成果物を共有する支援機関（任意）"),
        queryset=SupportInstitution.objects.order_by("name"),
        required=False,
        empty_label=_("共有しない"),
        help_text=_("選んだ支援機関の職員が、この案件の段階と報告書を見られるようになります。"),
    )


class OnBehalfForm(InputChecksMixin, forms.Form):
    programme = forms.ChoiceField(label=_("支援メニュー"), choices=Programme.choices, widget=forms.RadioSelect)
    company_email = forms.EmailField(
        label=_("会員企業のメールアドレス"),
        help_text=_("ポータルに企業情報を登録済みの方のアドレス。企業が確認するまで手続きは進みません。"),
    )
    wants = ApplyForm.base_fields["wants"]
    sites = ApplyForm.base_fields["sites"]
    equipment = ApplyForm.base_fields["equipment"]


class VisitForm(InputChecksMixin, forms.Form):
    starts_at = forms.DateTimeField(
        label=_("訪問日時（日本時間）"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    hours = forms.DecimalField(label=_("時間"), min_value=1, max_value=10, max_digits=3, decimal_places=1, initial=3)
    expert_days = forms.DecimalField(
        label=_("人日"), max_digits=3, decimal_places=1, initial=1, help_text=_("0.5〜3.0、0.5刻み")
    )
    done = forms.CharField(
        label=_("実施内容"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    readings = forms.CharField(
        label=_("計測・検針の記録"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        return value.replace(tzinfo=JST) if value.tzinfo is None else value.astimezone(JST)


class ReportForm(InputChecksMixin, forms.Form):
    findings = forms.CharField(
        label=_("診断の所見"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    baseline_t = forms.CharField(label=_("基準年のCO2排出量（t-CO2）"), max_length=20, required=False)
    after_t = forms.CharField(label=_("支援後のCO2排出量（t-CO2）"), max_length=20, required=False)
    target_year = forms.CharField(label=_("目標年度"), max_length=4, required=False)
    target_reduction_pct = forms.CharField(label=_("削減目標（%）"), max_length=3, required=False)
    roadmap = forms.CharField(
        label=_("ロードマップ"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MeasureForm(InputChecksMixin, forms.Form):
    family = forms.ChoiceField(label=_("省エネの視点"), choices=Family.choices)
    description = forms.CharField(label=_("対策"), max_length=300)
    cost = forms.TypedChoiceField(label=_("費用"), choices=Rank.choices, coerce=int)
    effect = forms.TypedChoiceField(label=_("効果"), choices=Rank.choices, coerce=int)
    difficulty = forms.TypedChoiceField(label=_("難しさ"), choices=Rank.choices, coerce=int)


class VisitLogForm(InputChecksMixin, forms.Form):
    """After a visit: what was done (this marks it done) and the readings taken."""

    done = forms.CharField(label=_("実施内容"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))
    readings = forms.CharField(
        label=_("計測・検針の記録"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _date_field(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class StageMoveForm(InputChecksMixin, forms.Form):
    """One move of a case, with only the fields that move asks for, filled with what the case already holds."""

    to = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("メモ（履歴に残ります）"), required=False, max_length=2000)

    # The fields each move asks for (the service checks them again); other moves ask only for the note.
    FIELDS = {
        Stage.DECLINED: ["reason"],
        Stage.EXPERT_ASSIGNED: ["expert", "period_start", "period_end"],
        Stage.PLAN_AGREED: ["expert", "period_start", "period_end", "planned_expert_days", "goals", "schedule"],
    }

    def __init__(self, *args, case, to: str, **kwargs):
        kwargs.setdefault("prefix", f"move-{to}")
        initial = {
            "to": to,
            "expert": case.expert_id,
            "period_start": case.period_start,
            "period_end": case.period_end,
            "planned_expert_days": case.planned_expert_days,
            "goals": case.goals,
            "schedule": case.schedule,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.target = to
        extra = {
            "reason": forms.CharField(
                label=_("お断りの理由（企業へのメールに載ります）"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            ),
            "expert": forms.ModelChoiceField(
                label=_("担当専門家"),
                queryset=Expert.objects.filter(is_active=True),
                empty_label=_("選んでください"),
            ),
            "period_start": _date_field(_("支援期間（開始）")),
            "period_end": _date_field(_("支援期間（終了）")),
            "planned_expert_days": forms.DecimalField(
                label=_("計画人日"),
                max_digits=5,
                decimal_places=1,
                help_text=_("0.5〜60（ハンズオン支援の目安は約20人日）"),
            ),
            "goals": forms.CharField(label=_("支援の目標"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})),
            "schedule": forms.CharField(
                label=_("スケジュール"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
            ),
        }
        for name in self.FIELDS.get(to, []):
            self.fields[name] = extra[name]
        self.order_fields([*self.FIELDS.get(to, []), "note"])

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "to" and v not in (None, "")}
