import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.models import MeetingTool, Topic
from core.forms import InputChecksMixin
from core.jst import JST, to_jst


class InviteForm(InputChecksMixin, forms.Form):
    company_name = forms.CharField(
        label=_("会社名"), max_length=200, error_messages={"required": _("会社名を入力してください。")}
    )
    email = forms.EmailField(
        label=_("メールアドレス"),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式が正しくありません。"),
        },
    )
    contact_name = forms.CharField(label=_("担当者名"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        for name in ("company_name", "contact_name"):
            if any(ch in (data.get(name) or "") for ch in "\r\n\x00"):
                self.add_error(name, _("改行などの使えない文字が含まれています。"))
        return data


class MemberFilterForm(InputChecksMixin, forms.Form):
    """Search and order of the member list (GET): a query no one means is shown as an error, never a 500."""

    q = forms.CharField(label=_("企業名で探す"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("並び順"),
        required=False,
        choices=[
            ("name", _("企業名")),
            ("joined", _("会員になった日（新しい順）")),
            ("progress", _("進み具合（進んでいる順）")),
            ("co2", _("CO2排出量（多い順）")),
        ],
        error_messages={"invalid_choice": _("並び順を一覧から選んでください。")},
    )


class CsvUploadForm(InputChecksMixin, forms.Form):
    file = forms.FileField(
        label=_("会員名簿のCSVファイル"),
        help_text=_(
            "1行目に見出し「会社名」「メールアドレス」（任意で「担当者名」）。UTF-8またはShift_JIS（Excelの「CSV」形式）、"
            "500行まで。送信前に各行の確認画面が出ます。"
        ),
        error_messages={"required": _("ファイルを選んでください。")},
    )


WEEKDAYS = "月火水木金土日"


def slot_label(slot) -> str:
    """「2026年4月23日（木） 10:00〜11:00」 in Japan time."""
    local = to_jst(slot.start)
    return f"{local.year}年{local.month}月{local.day}日（{WEEKDAYS[local.weekday()]}） {local:%H:%M}〜{to_jst(slot.end):%H:%M}"


HOURS = [(f"{h:02d}:00", f"{h}:00") for h in range(9, 17)]


class RequestForm(InputChecksMixin, forms.Form):
    """Institution staff ask a member company to hold a consultation (a slot, or the times that suit, or both)."""

    membership = forms.TypedChoiceField(
        label=_("会員企業"),
        coerce=int,
        error_messages={
            "required": _("会員企業を選んでください。"),
            "invalid_choice": _("会員企業を一覧から選んでください。"),
        },
    )
    window = forms.ChoiceField(label=_("相談窓口"), error_messages={"invalid_choice": _("相談窓口を選んでください。")})
    date = forms.DateField(
        label=_("日付"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("空き枠はCN相談のカレンダーで確認できます。日時を決めずに依頼することもできます。"),
        error_messages={"invalid": _("日付の形式が正しくありません（例：2026-05-12）。")},
    )
    time = forms.ChoiceField(
        label=_("開始時刻（日本時間・1時間）"),
        required=False,
        choices=[("", _("選ばない"))] + HOURS,
        error_messages={"invalid_choice": _("開始時刻を一覧から選んでください。")},
    )
    preferred = forms.CharField(
        label=_("都合のよい日時（任意）"),
        max_length=200,
        required=False,
        help_text=_("例：5月中の火曜日の午後。企業はこれを見て空いている日時を選びます。"),
    )
    topics = forms.MultipleChoiceField(
        label=_("相談したいこと（任意）"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("相談したいことを一覧から選んでください。")},
    )
    message = forms.CharField(
        label=_("企業へのメッセージ"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("企業へのメッセージを入力してください。"),
            "max_length": _("メッセージは2000文字以内にしてください。"),
        },
    )

    def __init__(self, *args, memberships=(), windows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = {m.pk: m for m in memberships}
        self.fields["membership"].choices = [("", _("選んでください"))] + [(m.pk, m.company.name) for m in memberships]
        self.fields["window"].choices = [(w.code, w.name) for w in windows]

    def clean(self):
        data = super().clean()
        date, time = data.get("date"), data.get("time")
        data["start"] = None
        if date and not time:
            self.add_error("time", _("日付を選んだときは開始時刻も選んでください。"))
        elif time and not date and "date" not in self.errors:
            self.add_error("date", _("開始時刻を選んだときは日付も入力してください。"))
        elif date and time:
            hour, minute = (int(part) for part in time.split(":"))
            data["start"] = dt.datetime.combine(date, dt.time(hour, minute), tzinfo=JST)
        if not date and not time and not (data.get("preferred") or "").strip() and not self.errors:
            self.add_error("date", _("相談の日時を選ぶか、都合のよい日時を入力してください。"))
        return data


class ConfirmForm(InputChecksMixin, forms.Form):
    """The company books the requested consultation: a free slot (the proposed one first) and its own intake."""

    start = forms.ChoiceField(
        label=_("日時（日本時間・1時間）"),
        error_messages={
            "required": _("日時を選んでください。"),
            "invalid_choice": _("この日時はもう選べません。一覧から選び直してください。"),
        },
    )
    topics = forms.MultipleChoiceField(
        label=_("相談したいこと"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("相談したいことを1つ以上選んでください。")},
    )
    question = forms.CharField(
        label=_("ご相談内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "専門家に相談したいことを、御社の言葉でお書きください。支援機関からのメッセージは上に表示しています。"
        ),
        error_messages={"required": _("ご相談内容を入力してください。")},
    )
    customer_request = forms.CharField(
        label=_("取引先から求められていること"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("なければ空欄で結構です。"),
    )
    meeting_tool = forms.ChoiceField(
        label=_("希望する会議ツール"),
        widget=forms.RadioSelect,
        error_messages={"required": _("会議ツールを選んでください。")},
    )

    def __init__(self, *args, slots=(), window=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = [("", _("選んでください"))] + [
            (to_jst(slot.start).isoformat(), slot_label(slot)) for slot in slots
        ]
        tools = MeetingTool.choices
        if window is not None and not window.online:
            tools = [c for c in tools if c[0] == MeetingTool.IN_PERSON]
        else:
            tools = [c for c in tools if c[0] != MeetingTool.IN_PERSON]
        self.fields["meeting_tool"].choices = tools

    def clean_start(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.cleaned_data["start"])
