from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SupportInstitution
from core.forms import InputChecksMixin

from .models import MeetingTool, Topic


class AdvisorChoiceField(forms.TypedChoiceField):
    """Offers the advisors free at the slot, and accepts any advisor of the window: one who was free when the
    form was shown and has been booked since is the service's "just taken", not a form error."""

    accepted_ids: frozenset[int] = frozenset()

    def valid_value(self, value) -> bool:
        try:
            if int(value) in self.accepted_ids:
                return True
        except (TypeError, ValueError):
            pass
        return super().valid_value(value)


class IntakeForm(InputChecksMixin, forms.Form):
    start = forms.DateTimeField(label=_("日時"), widget=forms.HiddenInput)
    mode = forms.CharField(label=_("相談方法"), widget=forms.HiddenInput)
    advisor = AdvisorChoiceField(
        label=_("専門家"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("指名しない場合は、窓口がご相談内容に合う専門家を担当にします。"),
    )
    topics = forms.MultipleChoiceField(
        label=_("相談したいこと"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("あてはまるものをすべて選んでください。"),
        error_messages={"required": _("相談したいことを1つ以上選んでください。")},
    )
    question = forms.CharField(
        label=_("ご相談内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("いま困っていること、知りたいことを自由に書いてください。"),
        error_messages={"required": _("ご相談内容を入力してください。")},
    )
    customer_request = forms.CharField(
        label=_("取引先から求められていること"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例：製品ごとのCO2排出量を報告してほしいと言われた。なければ空欄で結構です。"),
    )
    meeting_tool = forms.ChoiceField(
        label=_("希望する会議ツール"),
        choices=MeetingTool.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("会議ツールを選んでください。")},
    )
    sitting_in = forms.ModelChoiceField(
        label=_("同席する支援機関"),
        queryset=SupportInstitution.objects.all(),
        required=False,
        help_text=_("商工会議所や金融機関の担当者が同席する場合に選んでください。"),
    )

    def __init__(self, *args, advisors=(), accepted_advisor_ids=(), modes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].choices = [("", _("指名しない（窓口におまかせ）"))] + [
            (a.pk, f"{a.name}（{a.expertise}）") for a in advisors
        ]
        self.fields["advisor"].accepted_ids = frozenset(accepted_advisor_ids) | {a.pk for a in advisors}
        tools = MeetingTool.choices
        if "in_person" not in modes:
            tools = [c for c in tools if c[0] != MeetingTool.IN_PERSON]
        elif "online" not in modes:
            tools = [c for c in tools if c[0] == MeetingTool.IN_PERSON]
        self.fields["meeting_tool"].choices = tools
