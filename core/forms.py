"""Forms shared by the apps.

`InputChecksMixin`: what every form of the portal refuses, next to the field: control characters anywhere, line
breaks in single-line fields (a company name with CR/LF would break the mail headers it goes into), and dates no
one means (year 1 or 9999). `AuditFilterForm`: the filters of the superusers' audit list."""

import datetime as dt
import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .audit import AUDIT_MAX_PAGES, HISTORY_TYPES, audited_models
from .jst import jst_today

# C0 controls and DEL, except tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]")
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def validate_no_control_characters(value) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(_("使えない文字（制御文字）が含まれています。"), code="control_characters")


def validate_single_line(value) -> None:
    validate_no_control_characters(value)
    if isinstance(value, str) and LINE_BREAKS.search(value):
        raise ValidationError(_("改行を含めずに1行で入力してください。"), code="line_break")


def validate_plausible_date(value) -> None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if isinstance(day, dt.date) and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("%(earliest)s年から%(latest)s年までの日付を入力してください。"),
            code="date_range",
            params={"earliest": EARLIEST_DATE.year, "latest": LATEST_DATE.year},
        )


def _checks_for(field: forms.Field) -> list:
    if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
        if isinstance(field.widget, forms.Textarea):
            return [validate_no_control_characters]
        return [validate_single_line]
    if isinstance(field, forms.DateField | forms.DateTimeField):
        return [validate_plausible_date]
    return []


def add_input_checks(form: forms.BaseForm) -> None:
    """Give each field of a form the checks above (once), including fields a form adds in its __init__."""
    for field in form.fields.values():
        if getattr(field, "_input_checks", False):
            continue
        field.validators = [*field.validators, *_checks_for(field)]
        field._input_checks = True


class InputChecksMixin:
    """Mix into a Form or ModelForm: its fields refuse control characters, line breaks where one line is meant,
    and implausible dates, with a Japanese message next to the field."""

    def full_clean(self) -> None:
        add_input_checks(self)
        super().full_clean()


REVERSED_RANGE = _("終了日は開始日以降の日付にしてください（開始日と終了日が逆です）。")


class DateRangeForm(InputChecksMixin, forms.Form):
    """A statistics period: the last twelve months (JST) unless chosen. Every desk statistics page behaves alike: a
    reversed or implausible range is an error next to the field and no figures, never a silent other period."""

    date_from = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs):

        today = jst_today()
        default_from = (today - dt.timedelta(days=365)) + dt.timedelta(days=1)
        self.defaults = {"date_from": default_from, "date_to": today}
        if data is not None:
            data = data.copy()
            for name, value in self.defaults.items():
                if not data.get(name):
                    data[name] = value.isoformat()
        else:
            data = {name: value.isoformat() for name, value in self.defaults.items()}
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", REVERSED_RANGE)
        return cleaned

    def range(self) -> tuple[dt.date, dt.date]:
        return self.cleaned_data["date_from"], self.cleaned_data["date_to"]


class AuditFilterForm(InputChecksMixin, forms.Form):
    model = forms.ChoiceField(label=_("対象"), required=False)
    user = forms.ModelChoiceField(
        label=_("変更した人"),
        required=False,
        queryset=get_user_model().objects.filter(is_staff=True).order_by("email"),
        empty_label=_("すべての職員"),
    )
    history_type = forms.ChoiceField(
        label=_("種類"), required=False, choices=[("", _("すべて")), *HISTORY_TYPES.items()]
    )
    date_from = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(
        label=_("ページ"),
        required=False,
        min_value=1,
        max_value=AUDIT_MAX_PAGES,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("ページの指定が正しくありません。"),
            "min_value": _("ページの指定が正しくありません。"),
            "max_value": _(
                "表示できるのは新しい順に%(limit_value)sページまでです。それより古い変更は期間で絞り込んでください。"
            ),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("すべて"))] + [
            (m._meta.label, m._meta.verbose_name) for m in audited_models()
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", REVERSED_RANGE)
        return cleaned

    def filters(self) -> dict:
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return {
            "model_label": data.get("model") or "",
            "user_id": data["user"].pk if data.get("user") else None,
            "history_type": data.get("history_type") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }

    def page_number(self) -> int:
        return (getattr(self, "cleaned_data", {}).get("page") if self.is_bound else None) or 1
