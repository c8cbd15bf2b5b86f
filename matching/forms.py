from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import Industry, Prefecture
from core.forms import InputChecksMixin

from .files import ACCEPT, max_megabytes
from .models import REGION_CHOICES, MeetingMode, Need, Outcome, Theme


def _with_blank(choices, label):
    return [("", label)] + list(choices)


class NeedFilterForm(InputChecksMixin, forms.Form):
    q = forms.CharField(
        label=_("キーワード"),
        required=False,
        max_length=100,
        help_text=_("件名・概要・求める技術から探します。言葉の一部でも見つかります（例：遮熱、LED）。"),
    )
    theme = forms.ChoiceField(label=_("テーマ"), required=False, choices=_with_blank(Theme.choices, _("すべて")))
    region = forms.ChoiceField(
        label=_("対象地域"),
        required=False,
        choices=_with_blank(REGION_CHOICES, _("すべて")),
        help_text=_("地域を選ぶと、全国を対象とするニーズも表示します。"),
    )
    deadline_by = forms.DateField(
        label=_("この日までに締め切るもの"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日付は 2026-12-31 の形で入力してください。")},
    )
    include_closed = forms.BooleanField(label=_("締切を過ぎたニーズも表示する"), required=False)


class BuyerApplyForm(InputChecksMixin, forms.Form):
    buyer_name = forms.CharField(label=_("企業名"), max_length=200)
    profile = forms.CharField(
        label=_("企業概要（公開）"),
        max_length=200,
        help_text=_("ニーズの一覧で社名の代わりに表示します。例：大手住宅用設備機器卸売・小売業"),
    )
    industry = forms.ChoiceField(label=_("業種"), choices=_with_blank(Industry.choices, _("選んでください")))
    prefecture = forms.ChoiceField(label=_("本社所在地"), choices=_with_blank(Prefecture.choices, _("選んでください")))
    website = forms.URLField(label=_("ウェブサイト"), required=False, assume_scheme="https")
    department = forms.CharField(label=_("部署"), max_length=200)
    job_title = forms.CharField(label=_("役職"), max_length=100, required=False)


class NeedForm(InputChecksMixin, forms.ModelForm):
    class Meta:
        model = Need
        fields = ["title", "theme", "summary", "sought", "conditions", "region", "deadline"]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "sought": forms.Textarea(attrs={"rows": 6}),
            "conditions": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {"deadline": {"invalid": _("締切日は 2026-12-31 の形で入力してください。")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = _with_blank(Theme.choices, _("選んでください"))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProposalForm(InputChecksMixin, forms.Form):
    offer = forms.CharField(
        label=_("提案する製品・技術"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("製品・技術の名称と特長、実績を書いてください。"),
    )
    fit = forms.CharField(
        label=_("ニーズにどう応えるか"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("省エネ効果などのデータや、導入までの流れがあれば伝わりやすくなります。"),
    )
    company_pr = forms.CharField(
        label=_("会社紹介・実績"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    share_selfcheck = forms.BooleanField(
        label=_("セルフチェックの総合レベルを提案先に伝える"),
        required=False,
        help_text=_("最新年度のセルフチェックの総合レベル（1〜4）だけを伝えます。CO2排出量などの数値は伝えません。"),
    )
    attachments = MultipleFileField(label=_("添付ファイル"), required=False)
    remove = forms.MultipleChoiceField(
        label=_("削除する添付ファイル"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(self, *args, existing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _(
            "PDF・PNG・JPEG・Word・Excel・PowerPoint（マクロなし）を1ファイル%(mb)sMBまで、合わせて5個まで。"
            "提案先の担当者と中小機構だけが見られます。"
        ) % {"mb": max_megabytes()}
        if existing:
            self.fields["remove"].choices = [(str(a.pk), a.original_name) for a in existing]
        else:
            del self.fields["remove"]


class DeclineForm(InputChecksMixin, forms.Form):
    reason = forms.CharField(
        label=_("見送りの理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("提案した企業にメールでお伝えします。今後の提案の参考になるよう、具体的にお書きください。"),
    )


class MeetingRequestForm(InputChecksMixin, forms.Form):
    time_1 = forms.DateTimeField(
        label=_("候補日時1"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("日本時間で入力してください。"),
    )
    time_2 = forms.DateTimeField(
        label=_("候補日時2"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    time_3 = forms.DateTimeField(
        label=_("候補日時3"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.TypedChoiceField(
        label=_("所要時間"),
        coerce=int,
        choices=[(30, _("30分")), (60, _("60分")), (90, _("90分")), (120, _("120分"))],
        initial=60,
    )
    mode = forms.ChoiceField(label=_("形式"), choices=MeetingMode.choices, widget=forms.RadioSelect, initial="online")
    location = forms.CharField(
        label=_("場所またはオンライン会議のURL"),
        max_length=300,
        required=False,
        help_text=_("商談が確定した相手にだけ表示します。"),
    )
    message = forms.CharField(
        label=_("メッセージ"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def times(self) -> list:
        return [self.cleaned_data[name] for name in ("time_1", "time_2", "time_3") if self.cleaned_data.get(name)]


class MeetingAcceptForm(InputChecksMixin, forms.Form):
    slot = forms.ChoiceField(label=_("ご都合のよい日時"), widget=forms.RadioSelect)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slots


class MeetingDeclineForm(InputChecksMixin, forms.Form):
    note = forms.CharField(
        label=_("コメント（ご都合のよい時期など）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OutcomeForm(InputChecksMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("商談の結果"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("メモ"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ThemeFollowForm(InputChecksMixin, forms.Form):
    themes = forms.MultipleChoiceField(
        label=_("フォローするテーマ"),
        choices=Theme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("毎週月曜日の朝、前の週に公開されたニーズのうち、選んだテーマのものをメールでお知らせします。"),
    )


class ReturnForm(InputChecksMixin, forms.Form):
    note = forms.CharField(
        label=_("差し戻しの理由（直してほしい点）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MemberDecisionForm(InputChecksMixin, forms.Form):
    note = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
