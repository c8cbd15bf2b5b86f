import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import SupportInstitution
from core.choices import EmployeeBand, Industry, Prefecture, RevenueBand
from core.forms import DateRangeForm, InputChecksMixin
from core.jst import JST, format_jst, to_jst

from .models import Advisor, BookingStatus, ConsultationWindow, MeetingTool, Mode, Topic, Weekday
from .services import booking_move, booking_next_statuses, booking_set_meeting, booking_set_status


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

    share_selfcheck = forms.BooleanField(
        label=_("セルフチェックの結果を担当専門家に共有する"),
        required=False,
        initial=False,
        help_text=_(
            "担当の専門家が、相談の30日後まで全年度の結果（CO2排出量・推移・中小企業版SBTの確認）を見られます。"
            "「セルフチェックの共有」からいつでも取り消せます。"
        ),
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


def _with_prompt(choices) -> list:
    return [("", _("選択してください"))] + [(value, label) for value, label in choices if value]


class NewcomerForm(InputChecksMixin, forms.Form):
    """What a visitor without an account gives with the booking: where to write, who they are, and the few company
    facts the desk's statistics count (the rest of the profile can wait)."""

    email = forms.EmailField(
        label=_("メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("予約を確定するリンクをお送りします。スマートフォンのメールアプリから開いても構いません。"),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式が正しくありません（例：taro@example.co.jp）。"),
        },
    )
    family_name = forms.CharField(
        label=_("姓"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": _("姓を入力してください。")},
    )
    given_name = forms.CharField(
        label=pgettext_lazy("given name", "名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": _("名を入力してください。")},
    )
    company_name = forms.CharField(
        label=_("会社名・屋号"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        error_messages={"required": _("会社名・屋号を入力してください。")},
    )
    prefecture = forms.ChoiceField(
        label=_("所在地（都道府県）"), error_messages={"required": _("都道府県を選んでください。")}
    )
    industry = forms.ChoiceField(label=_("業種"), error_messages={"required": _("業種を選んでください。")})
    employee_band = forms.ChoiceField(
        label=_("従業員数"), error_messages={"required": _("従業員数の区分を選んでください。")}
    )
    revenue_band = forms.ChoiceField(
        label=_("売上高"), error_messages={"required": _("売上高の区分を選んでください。")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefecture"].choices = _with_prompt(Prefecture.choices)
        self.fields["industry"].choices = _with_prompt(Industry.choices)
        self.fields["employee_band"].choices = _with_prompt(EmployeeBand.choices)
        self.fields["revenue_band"].choices = _with_prompt(RevenueBand.choices)

    def company_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["company_name"],
            "prefecture": data["prefecture"],
            "industry": data["industry"],
            "employee_band": data["employee_band"],
            "revenue_band": data["revenue_band"],
        }


# --- the desk (admin) ---------------------------------------------------------------------------------------------


class DeskStatusForm(forms.Form):
    """Move a booking along the status workflow; confirming may set the meeting URL the confirmation mail gives."""

    status = forms.ChoiceField(label=_("新しい状態"))
    meeting_url = forms.URLField(
        label=_("会議URL"),
        required=False,
        assume_scheme="https",
        help_text=_("確定するときに入力すると、確定のお知らせメールに載せます。"),
    )

    def __init__(self, *args, booking, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, BookingStatus(s).label) for s in booking_next_statuses(booking)]
        self.fields["meeting_url"].initial = booking.meeting_url
        self.available = bool(self.fields["status"].choices)

    def apply(self, booking) -> str:

        status = self.cleaned_data["status"]
        url = self.cleaned_data["meeting_url"] if status == BookingStatus.CONFIRMED else None
        booking = booking_set_status(booking=booking, status=status, meeting_url=url)
        return _("%(start)sの予約を「%(status)s」にしました。") % {
            "start": format_jst(booking.start),
            "status": booking.get_status_display(),
        }


class DeskMoveForm(forms.Form):
    """Another window, advisor or time (Japan time) for an open booking."""

    window = forms.ModelChoiceField(label=_("窓口"), queryset=ConsultationWindow.objects.all(), empty_label=None)
    advisor = forms.ModelChoiceField(
        label=_("専門家"), queryset=Advisor.objects.filter(is_active=True), empty_label=None
    )
    date = forms.DateField(label=_("日付"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("開始時刻（日本時間）"), widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, booking, **kwargs):
        super().__init__(*args, **kwargs)
        start = to_jst(booking.start)
        self.initial.update(
            {"window": booking.window_id, "advisor": booking.advisor_id, "date": start.date(), "time": start.time()}
        )

    def apply(self, booking) -> str:

        data = self.cleaned_data
        start = dt.datetime.combine(data["date"], data["time"], tzinfo=JST)
        booking = booking_move(booking=booking, window=data["window"], advisor=data["advisor"], start=start)
        return _("予約を %(start)s（%(window)s・%(advisor)s）にしました。") % {
            "start": format_jst(booking.start),
            "window": booking.window.name,
            "advisor": booking.advisor.name,
        }


class DeskMeetingForm(forms.Form):
    mode = forms.ChoiceField(label=_("相談方法"), choices=Mode.choices)
    meeting_tool = forms.ChoiceField(label=_("会議ツール"), choices=MeetingTool.choices)
    meeting_url = forms.URLField(label=_("会議URL"), required=False, assume_scheme="https")

    def __init__(self, *args, booking, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.update(
            {"mode": booking.mode, "meeting_tool": booking.meeting_tool, "meeting_url": booking.meeting_url}
        )

    def apply(self, booking) -> str:

        booking = booking_set_meeting(booking=booking, **self.cleaned_data)
        return _("%(start)sの予約の相談方法・会議URLを保存しました。") % {"start": format_jst(booking.start)}


class StatisticsRangeForm(DateRangeForm):
    """The statistics period: the last twelve months unless chosen; a reversed range is an error, not an empty page."""


# --- an advisor's weekly hours and days off: the advisor's workspace and the desk's page use the same forms ---


class AvailabilityRowForm(InputChecksMixin, forms.Form):
    # A blank first choice: an empty extra row posts "" for the weekday, so the formset sees it unchanged and skips it
    # (without it the browser posts 月曜日 and every save failed on the extra rows' empty times).
    weekday = forms.TypedChoiceField(
        label=_("曜日"),
        choices=[("", _("選んでください")), *Weekday.choices],
        coerce=int,
        empty_value=None,
        error_messages={"required": _("曜日を選んでください。")},
    )
    start = forms.TimeField(
        label=_("開始"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("開始の時刻を入力してください。"),
            "invalid": _("時刻を正しく入力してください。"),
        },
    )
    end = forms.TimeField(
        label=_("終了"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("終了の時刻を入力してください。"),
            "invalid": _("時刻を正しく入力してください。"),
        },
    )


class BaseAvailabilityFormSet(forms.BaseFormSet):
    @classmethod
    def showing(cls, rows) -> "BaseAvailabilityFormSet":
        """The formset as first shown: the advisor's current rows, then the empty extra ones."""
        return cls(initial=[{"weekday": r.weekday, "start": r.start, "end": r.end} for r in rows], prefix="av")

    def rows(self) -> list[tuple[int, dt.time, dt.time]]:
        """The (weekday, start, end) rows a valid formset asks for: filled and not marked for deletion."""
        return [
            (form.cleaned_data["weekday"], form.cleaned_data["start"], form.cleaned_data["end"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


# absolute_max: a forged TOTAL_FORMS of 10^12 would otherwise build (and show) 1,021 empty rows.
AvailabilityFormSet = forms.formset_factory(
    AvailabilityRowForm,
    formset=BaseAvailabilityFormSet,
    extra=2,
    can_delete=True,
    max_num=21,
    validate_max=True,
    absolute_max=21,
)


class DayOffForm(InputChecksMixin, forms.Form):
    date = forms.DateField(
        label=_("休みにする日"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("日付を入力してください。"), "invalid": _("日付を正しく入力してください。")},
    )
