"""Forms shared by the apps.

`InputChecksMixin`: what every form of the portal refuses, next to the field: control characters anywhere, line
breaks in single-line fields (a company name with CR/LF would break the mail headers it goes into), and dates no
one means (year 1 or 9999). `AuditFilterForm`: the filters of the superusers' audit list."""

import datetime as dt
import re
import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .audit import AUDIT_MAX_PAGES, HISTORY_TYPES, audited_models
from .jst import current_fiscal_year, fiscal_year_choices, jst_today

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


NUMERIC_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)
SPACES = re.compile(r"[\s\u3000]+")
GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def normalise_number(value):
    """What a person types as a number, as Python reads one: full-width digits and signs (NFKC: `１００` → `100`,
    `－５` → `-5`), spaces anywhere, and thousands separators in their places (`100,000,000`). A comma elsewhere
    (`1,5`) is left as typed, so the field refuses it instead of guessing. Non-strings pass unchanged.

    The one normaliser of every numeric input on the portal's pages (InputChecksMixin applies it); the API takes JSON
    numbers and stays strict."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).replace("\u2212", "-").replace("、", ",")
    text = SPACES.sub("", text)
    if GROUPED.fullmatch(text):
        text = text.replace(",", "")
    return text


def _normalising(to_python):
    def wrapped(value):
        return to_python(normalise_number(value))

    return wrapped


def prepare_number_field(field: forms.Field) -> None:
    """A numeric field reads like a number typed by a person: the normaliser above, and a text input with a numeric
    keyboard instead of <input type="number">, whose browsers send an empty value for `100,000,000` or `１００`
    (the input would be lost without an error)."""
    if not isinstance(field, NUMERIC_FIELDS) or getattr(field, "_number_prepared", False):
        return
    field.to_python = _normalising(field.to_python)
    if isinstance(field.widget, forms.NumberInput):
        field.widget.input_type = "text"
        for name in ("step", "min", "max"):
            field.widget.attrs.pop(name, None)
        decimal = isinstance(field, forms.DecimalField | forms.FloatField)  # both subclass IntegerField
        field.widget.attrs.setdefault("inputmode", "decimal" if decimal else "numeric")
    field._number_prepared = True


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
        prepare_number_field(field)
        if getattr(field, "_input_checks", False):
            continue
        field.validators = [*field.validators, *_checks_for(field)]
        field._input_checks = True


class InputChecksMixin:
    """Mix into a Form or ModelForm: its fields refuse control characters, line breaks where one line is meant,
    and implausible dates, with a Japanese message next to the field; its numeric fields accept what people type
    (`normalise_number`)."""

    def full_clean(self) -> None:
        add_input_checks(self)
        super().full_clean()

    def __getitem__(self, name):
        # fields a form adds in its own __init__ are prepared too, before they are rendered
        prepare_number_field(self.fields[name])
        return super().__getitem__(name)


REVERSED_RANGE = _("終了日は開始日以降の日付にしてください（開始日と終了日が逆です）。")


class DateRangeForm(InputChecksMixin, forms.Form):
    """The period of every desk statistics page: a 年度 (April–March, JST), the current one unless chosen, as SMRJ
    counts (issue 25); a date range instead when 「期間を指定」 is chosen. A reversed or implausible range is an error
    next to the field and no figures, never a silent other period."""

    fiscal_year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("fiscal_year"):
            if not (data.get("date_from") or data.get("date_to")):
                data["fiscal_year"] = str(current_fiscal_year())
            else:  # one end of a range given: the other is the current 年度's first day, or today
                if not data.get("date_from"):
                    data["date_from"] = dt.date(current_fiscal_year(), 4, 1).isoformat()
                if not data.get("date_to"):
                    data["date_to"] = jst_today().isoformat()
        super().__init__(data, **kwargs)
        self.fields["fiscal_year"].choices = [("", _("期間を指定（開始日・終了日）")), *fiscal_year_choices()]
        self.fields["fiscal_year"].help_text = _("年度は4月1日から翌年3月31日まで（日本時間）です。")

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("fiscal_year")
        if year is None:
            date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
            if date_from and date_to and date_from > date_to:
                self.add_error("date_to", REVERSED_RANGE)
        return cleaned

    def range(self) -> tuple[dt.date, dt.date]:
        """The JST days of the period, both included."""
        year = self.cleaned_data.get("fiscal_year")
        if year is not None:
            return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
        return self.cleaned_data["date_from"], self.cleaned_data["date_to"]

    def label(self) -> str:
        year = self.cleaned_data.get("fiscal_year")
        date_from, date_to = self.range()
        span = f"{date_from:%Y-%m-%d}〜{date_to:%Y-%m-%d}"
        return _("%(y)s年度（%(span)s）") % {"y": year, "span": span} if year is not None else span


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
