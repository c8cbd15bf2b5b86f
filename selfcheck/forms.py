from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.jst import jst_today

from .calculator import AWARENESS, MEASURE_STATUSES, MEASURES, SOURCE_LABELS, SOURCES, market_factor_problem
from .models import MAX_AMOUNT, Sheet

MONTHS = range(1, 13)


def current_fiscal_year() -> int:
    """The Japanese fiscal year (April–March) of today in JST."""
    today = jst_today()
    return today.year if today.month >= 4 else today.year - 1


def fiscal_year_choices() -> list[tuple[int, str]]:
    now = current_fiscal_year()
    return [(y, _("%(y)s年度") % {"y": y}) for y in range(now, now - 6, -1)]


def _amount_field(label, *, hint="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=16,
        decimal_places=3,
        help_text=hint,
        error_messages={
            "invalid": _("数値を入力してください。"),
            "min_value": _("0以上の値を入力してください。"),
            "max_value": _("値が大きすぎます。単位を確認してください。"),
            "max_digits": _("値が大きすぎます。単位を確認してください。"),
            "max_decimal_places": _("小数点以下は3桁までにしてください。"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
    )


class NewSheetForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=fiscal_year_choices)


class Step1Form(forms.Form):
    """Annual amounts per source; twelve optional monthly fields each, summed when any is filled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, (unit, _divisor) in SOURCES.items():
            self.fields[code] = _amount_field(
                f"{SOURCE_LABELS[code]}（{unit}）", hint=_("1年間の合計。月別に入力した場合は自動で合計します。")
            )
        self.fields["market_electricity_kg_per_kwh"] = forms.DecimalField(
            label=_("電力会社の排出係数（kg-CO2/kWh）"),
            required=False,
            max_digits=9,
            decimal_places=6,
            help_text=_(
                "電力会社がウェブサイトや請求書で公表している、契約中の料金メニューの係数"
                "（kg-CO2/kWh、例：0.421）。入力するとマーケット基準のScope 2も計算します。"
            ),
            error_messages={
                "invalid": _("数値を入力してください。"),
                "max_digits": _("kg-CO2/kWhの値としては大きすぎます（0.001〜2の範囲で入力してください）。"),
                "max_decimal_places": _("小数点以下は6桁までにしてください。"),
            },
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
        )
        for code, (unit, _divisor) in SOURCES.items():
            for month in MONTHS:
                self.fields[f"{code}_m{month}"] = _amount_field(f"{SOURCE_LABELS[code]} {month}月（{unit}）")

    def clean_market_electricity_kg_per_kwh(self):
        value = self.cleaned_data.get("market_electricity_kg_per_kwh")
        if value is not None and (problem := market_factor_problem(value)):
            raise forms.ValidationError(problem)
        return value

    def annual_fields(self):
        return [self[code] for code in [*SOURCES, "market_electricity_kg_per_kwh"]]

    def monthly_groups(self):
        return [
            {"code": code, "label": SOURCE_LABELS[code], "fields": [self[f"{code}_m{m}"] for m in MONTHS]}
            for code in SOURCES
        ]

    def to_data(self) -> dict:
        data = {code: self.cleaned_data.get(code) for code in [*SOURCES, "market_electricity_kg_per_kwh"]}
        for code in SOURCES:
            months = [self.cleaned_data.get(f"{code}_m{m}") for m in MONTHS]
            if any(m is not None for m in months):
                data[f"{code}_monthly"] = months
        return data

    @classmethod
    def initial_for(cls, sheet: Sheet) -> dict:
        initial = {code: getattr(sheet, code) for code in [*SOURCES, "market_electricity_kg_per_kwh"]}
        for code, months in (sheet.monthly or {}).items():
            for index, value in enumerate(months):
                initial[f"{code}_m{index + 1}"] = value
        return initial


class Step2Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, _family, label in MEASURES:
            self.fields[code] = forms.ChoiceField(
                label=label, choices=[("", _("選んでください")), *MEASURE_STATUSES], required=False
            )
        for code, label in AWARENESS:
            self.fields[f"aw_{code}"] = forms.BooleanField(label=label, required=False)

    def measure_fields(self, family: str):
        return [self[code] for code, fam, _label in MEASURES if fam == family]

    def awareness_fields(self):
        return [self[f"aw_{code}"] for code, _label in AWARENESS]

    def to_measures(self) -> dict[str, str]:
        return {code: self.cleaned_data[code] for code, _f, _l in MEASURES if self.cleaned_data.get(code)}

    def to_awareness(self) -> dict[str, bool]:
        return {code: self.cleaned_data.get(f"aw_{code}", False) for code, _label in AWARENESS}

    @classmethod
    def initial_for(cls, sheet: Sheet) -> dict:
        initial = dict(sheet.measures or {})
        initial.update({f"aw_{code}": value for code, value in (sheet.awareness or {}).items()})
        return initial


class Step3Form(forms.ModelForm):
    class Meta:
        model = Sheet
        fields = [
            "base_year",
            "base_emissions_t",
            "target_year",
            "target_reduction_pct",
            "re_intent",
            "person_in_charge",
            "roadmap",
            "sbt_employees",
            "sbt_revenue_yen",
            "sbt_total_assets_yen",
            "sbt_financial_or_oil_gas",
            "sbt_sector_specific_method_required",
            "sbt_parent_under_standard_sbt",
            "sbt_flag_sector",
        ]
        widgets = {"roadmap": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "base_year": _("例：2023"),
            "target_reduction_pct": _("基準年度からの削減率。例：46"),
            "roadmap": _("例：2026年 LED化／2027年 コンプレッサー更新／2030年 46%削減"),
            "sbt_revenue_yen": _("円で入力してください。ユーロの基準は管理者が設定したレートで換算します。"),
            "sbt_total_assets_yen": _("円で入力してください。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = {
            "base_year": (2000, 2100),
            "target_year": (2000, 2100),
            "target_reduction_pct": (0, 100),
            "base_emissions_t": (0, 10**12),
            "sbt_employees": (0, 10_000_000),
            "sbt_revenue_yen": (0, 10**16),
            "sbt_total_assets_yen": (0, 10**16),
        }
        for name, (low, high) in limits.items():
            field = self.fields[name]
            field.min_value, field.max_value = low, high
            field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            field.error_messages["invalid"] = _("数値を入力してください。")
            field.widget.attrs.update({"min": low, "max": high})

    def clean(self):
        data = super().clean()
        base, target = data.get("base_year"), data.get("target_year")
        if base and target and target <= base:
            self.add_error("target_year", _("目標年度は基準年度より後にしてください。"))
        return data


class FactorSetVersionForm(forms.Form):
    """The admin form that creates the next version of a factor set (prefilled with the base version)."""

    name = forms.CharField(label=_("名称"), max_length=200)
    source = forms.CharField(label=_("出典"), max_length=300)
    publication = forms.CharField(label=_("公表資料"), max_length=300, required=False)
    url = forms.URLField(label=_("出典URL"), assume_scheme="https")
    note = forms.CharField(label=_("備考"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, base, **kwargs):
        self.base = base
        self.rows = list(base.factors.all())
        initial = {name: getattr(base, name) for name in ("name", "source", "publication", "url", "note")}
        for row in self.rows:
            initial.update(
                {
                    f"{row.source}-t_per_unit": row.t_per_unit,
                    f"{row.source}-source_text": row.source_text,
                    f"{row.source}-publication": row.publication,
                    f"{row.source}-note": row.note,
                }
            )
        super().__init__(*args, initial=initial, **kwargs)
        for row in self.rows:
            label = SOURCE_LABELS.get(row.source, row.source)
            self.fields[f"{row.source}-t_per_unit"] = forms.DecimalField(
                label=_("%(label)s の係数（t-CO2/%(unit)s）") % {"label": label, "unit": row.unit},
                min_value=0,
                max_digits=12,
                decimal_places=7,
            )
            self.fields[f"{row.source}-source_text"] = forms.CharField(label=_("出典"), max_length=300, required=False)
            self.fields[f"{row.source}-publication"] = forms.CharField(
                label=_("公表資料"), max_length=300, required=False
            )
            self.fields[f"{row.source}-note"] = forms.CharField(
                label=_("算出方法・照合"), max_length=500, required=False
            )

    def factor_rows(self):
        return [
            {
                "source": row.source,
                "label": SOURCE_LABELS.get(row.source, row.source),
                "unit": row.unit,
                "scope": row.scope,
                "fields": [
                    self[f"{row.source}-{name}"] for name in ("t_per_unit", "source_text", "publication", "note")
                ],
            }
            for row in self.rows
        ]

    def to_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ("name", "source", "publication", "url", "note")}
        data["factors"] = {
            row.source: {
                name: self.cleaned_data[f"{row.source}-{name}"]
                for name in ("t_per_unit", "source_text", "publication", "note")
            }
            for row in self.rows
        }
        return data


class DeskAmountsForm(forms.Form):
    """The desk corrects a sheet's annual amounts (at the company's request); the service recomputes everything."""

    def __init__(self, *args, sheet, **kwargs):
        from .calculator import SOURCE_LABELS, SOURCES
        from .models import Sheet

        super().__init__(*args, **kwargs)
        for code, (unit, _divisor) in SOURCES.items():
            self.fields[code] = forms.DecimalField(
                label=f"{SOURCE_LABELS[code]}（{unit}）", required=False, min_value=0, decimal_places=3
            )
            self.initial[code] = getattr(sheet, code)
        self.fields["market_electricity_kg_per_kwh"] = forms.DecimalField(
            label=Sheet._meta.get_field("market_electricity_kg_per_kwh").verbose_name,
            required=False,
            min_value=0,
        )
        self.initial["market_electricity_kg_per_kwh"] = sheet.market_electricity_kg_per_kwh

    def service_data(self, sheet) -> dict:
        """What sheet_save_step1 takes; the monthly split of an amount the desk did not touch is kept."""
        from .calculator import SOURCES

        data = dict(self.cleaned_data)
        for code in SOURCES:
            if code in sheet.monthly and data.get(code) == getattr(sheet, code):
                data[f"{code}_monthly"] = sheet.monthly[code]
        return data
