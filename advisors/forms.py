import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import InputChecksMixin
from core.jst import JST
from seminars.models import Seminar
from subsidies.models import Measure

from .models import RecommendationKind


class WelcomeForm(InputChecksMixin, forms.Form):
    password1 = forms.CharField(
        label=_("パスワード"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("10文字以上で、推測されにくいものにしてください。"),
        error_messages={"required": _("パスワードを入力してください。")},
    )
    password2 = forms.CharField(
        label=_("パスワード（確認）"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("確認のため、もう一度入力してください。")},
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("同じパスワードを2回入力してください。"))
        return data


class RecordForm(InputChecksMixin, forms.Form):
    private_record = forms.CharField(
        label=_("相談記録（中小機構の職員と専門家のみ）"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("企業には表示されません。相談窓口が管理サイトで読む記録です。"),
    )
    next_steps = forms.CharField(
        label=_("次のステップ（企業にも表示）"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("企業のマイページと予約の詳細に表示されます。"),
    )


class RecommendationForm(InputChecksMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("おすすめの種類"),
        choices=RecommendationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("種類を選んでください。")},
    )
    seminar = forms.ModelChoiceField(label=_("セミナー"), queryset=None, required=False)
    measure = forms.ModelChoiceField(label=_("補助金・支援策"), queryset=None, required=False)
    note = forms.CharField(
        label=_("ひとこと"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("企業に表示されます。例：第2回の省エネ診断の前に参加すると効果的です。"),
    )

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["seminar"].queryset = Seminar.objects.filter(
            is_published=True, starts_at__gt=timezone.now()
        ).order_by("starts_at")
        self.fields["measure"].queryset = Measure.objects.order_by("step", "name")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == RecommendationKind.SEMINAR and not data.get("seminar"):
            self.add_error("seminar", _("おすすめするセミナーを選んでください。"))
        if kind == RecommendationKind.SUBSIDY and not data.get("measure"):
            self.add_error("measure", _("おすすめする補助金・支援策を選んでください。"))
        return data


class WorkspaceFilterForm(InputChecksMixin, forms.Form):
    q = forms.CharField(
        label=_("相談を探す"),
        required=False,
        max_length=100,
        help_text=_("企業名・ご相談内容・同席する支援機関の名前で探せます。"),
    )


class MeetingUrlForm(InputChecksMixin, forms.Form):
    meeting_url = forms.URLField(
        label=_("会議URL"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_(
            "ZoomやTeamsの会議URL（https://…）。保存すると企業にメールでお知らせします。空にすると取り消します。"
        ),
        error_messages={"invalid": _("会議URLは https:// で始まる形で入力してください。")},
    )

    def clean_meeting_url(self) -> str:
        url = self.cleaned_data["meeting_url"]
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError(_("会議URLは https:// で始まる形で入力してください。"))
        return url


class MoveRequestForm(InputChecksMixin, forms.Form):
    date = forms.DateField(
        label=_("希望する日"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("日付を入力してください。"), "invalid": _("日付を正しく入力してください。")},
    )
    time = forms.TimeField(
        label=_("開始時刻（日本時間）"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={"required": _("開始時刻を入力してください。"), "invalid": _("時刻を正しく入力してください。")},
    )
    reason = forms.CharField(
        label=_("理由（窓口に伝わります）"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("理由を入力してください。")},
    )

    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=JST)


class MoveDeclineForm(InputChecksMixin, forms.Form):
    """The desk's reason for declining an advisor's move request: required, since the advisor reads it (workspace
    and mail) to know what to do next."""

    note = forms.CharField(
        label=_("見送る理由（専門家に伝わります）"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例：企業がその日時に都合がつかないため。別の日時で改めて依頼してください。"),
        error_messages={"required": _("見送る理由を入力してください。専門家に伝わります。")},
    )
