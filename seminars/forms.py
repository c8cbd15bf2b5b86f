from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import Prefecture, Region
from core.forms import InputChecksMixin

from .models import Audience, SeminarFormat


def _with_blank(choices, label):
    return [("", label)] + list(choices)


class SeminarFilterForm(InputChecksMixin, forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)
    format = forms.ChoiceField(label=_("形式"), required=False, choices=_with_blank(SeminarFormat.choices, _("すべて")))
    audience = forms.ChoiceField(label=_("対象"), required=False, choices=_with_blank(Audience.choices, _("すべて")))
    region = forms.ChoiceField(label=_("地域"), required=False, choices=_with_blank(Region.choices, _("すべて")))
    prefecture = forms.ChoiceField(
        label=_("都道府県"), required=False, choices=_with_blank(Prefecture.choices, _("すべて"))
    )
    month = forms.DateField(
        label=_("開催月"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("開催月は 2026-12 の形で入力してください。")},
    )


class CapacityForm(InputChecksMixin, forms.Form):
    capacity = forms.IntegerField(
        label=_("定員"),
        required=False,
        min_value=0,
        help_text=_(
            "空欄にすると定員なしになります。増やした分はキャンセル待ちの方に申込順で割り当て、お知らせします。"
        ),
    )


class CheckinCodeForm(InputChecksMixin, forms.Form):
    """The no-camera way in: the short code from the registration mail."""

    code = forms.CharField(
        label=_("受付番号"),
        max_length=20,
        help_text=_("メールに書かれた番号です（例：123-ABCD）。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"}),
    )
