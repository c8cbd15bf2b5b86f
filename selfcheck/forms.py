from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.forms import InputChecksMixin
from core.jst import current_fiscal_year, last_complete_fiscal_year

from .calculator import (
    AWARENESS,
    ENTRIES,
    ENTRY_LABELS,
    FIRST_FISCAL_YEAR,
    FISCAL_MONTHS,
    LPG_CONVERSION_SOURCE,
    LPG_DEFAULT_GAS,
    LPG_GAS_LABELS,
    LPG_M3_PER_T,
    MEASURE_STATUSES,
    MEASURES,
    SOURCE_LABELS,
    SOURCES,
    lpg_supplier_problem,
    market_factor_problem,
)
from .models import MAX_AMOUNT, STEP3_FIELDS, Sheet


def fiscal_year_choices() -> list[tuple[int, str]]:
    """FY2021 to the current 年度, newest first; the form selects the last complete one (see NewSheetForm)."""
    last = last_complete_fiscal_year()
    now = current_fiscal_year()
    label = _("%(y)s年度")
    years = range(now, FIRST_FISCAL_YEAR - 1, -1)
    return [
        (
            y,
            _("%(y)s年度（前年度・12か月分そろった年度）") % {"y": y}
            if y == last
            else _("%(y)s年度（今年度・途中）") % {"y": y}
            if y == now
            else label % {"y": y},
        )
        for y in years
    ]


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


def lpg_fields() -> dict[str, forms.Field]:
    """The LPG-in-m³ fields (the gas kind and the supplier's kg/m³), the same on the step-1 form and the desk's amounts form."""
    return {
        "lpg_gas": forms.ChoiceField(
            label=_("LPガスの種類（m³で入力したときの換算）"),
            choices=[(code, LPG_GAS_LABELS[code]) for code in LPG_M3_PER_T],
            initial=LPG_DEFAULT_GAS,
            required=False,
            widget=forms.RadioSelect,
            help_text=_(
                "販売店の換算係数がないときは、プロパン1/502 t/m³、ブタン1/355 t/m³で換算します"
                "（出典：%(source)s）。わからなければプロパンのままにしてください。"
            )
            % {"source": LPG_CONVERSION_SOURCE},
        ),
        "lpg_supplier_kg_per_m3": forms.DecimalField(
            label=_("LPガス販売店の換算係数（kg/m³）"),
            required=False,
            max_digits=8,
            decimal_places=4,
            help_text=_(
                "請求書や販売店が示すm³あたりのkg（例：2.0）。入力すると、上の公表値の代わりにこの係数で換算します。"
            ),
            error_messages={
                "invalid": _("数値を入力してください。"),
                "max_digits": _(
                    "LPガスの換算係数は、kg/m³で入力してください（0.5〜5の範囲。プロパンは約1.99、ブタンは約2.82）。"
                ),
                "max_decimal_places": _("小数点以下は4桁までにしてください。"),
            },
            widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
        ),
    }


class NewSheetForm(InputChecksMixin, forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label=_("年度"),
        coerce=int,
        choices=fiscal_year_choices,
        help_text=_(
            "年度は4月〜翌年3月です。取引先や金融機関、SBTの基準年で尋ねられるのは、ふつう12か月分の請求書が"
            "そろった前年度です。"
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("fiscal_year", last_complete_fiscal_year())
        super().__init__(*args, **kwargs)


# Where each figure is on the bill (short help per energy source).
BILL_HELP = {
    "electricity_kwh": _(
        "電力会社の「電気ご使用量のお知らせ」（検針票）や請求書の「ご使用量」（kWh）。"
        "ウェブの会員ページで月ごとの使用量を確認できることもあります。"
    ),
    "city_gas_m3": _("ガス会社の「ガスご使用量のお知らせ」（検針票）や請求書の「ご使用量」（m³）。"),
    "city_gas_nm3": _("大口の契約などで、請求書の使用量がNm³（標準状態の体積）で書かれている場合だけ使います。"),
    "lpg_m3": _(
        "LPガス販売店の検針票・請求書の「ご使用量」（m³）。下で選ぶガスの公表値か、販売店の換算係数でtに換算します。"
    ),
    "lpg_kg": _("ボンベを重さで購入している場合の、納品書・請求書の数量（kg）。"),
    "gasoline_l": _("給油カードの利用明細や、ガソリンスタンドの請求書の給油量（L）。社用車の分を合計します。"),
    "kerosene_l": _("燃料店の納品書・請求書の数量（L）。"),
    "diesel_l": _("給油カードの利用明細や、燃料店の納品書・請求書の数量（L）。"),
    "heavy_oil_a_l": _("燃料店の納品書・請求書の数量（L）。ボイラーや炉で使う分です。"),
    "heat_gj": _("地域冷暖房など熱供給事業者の請求書の使用量（GJ）。"),
}


def _month_label(month: int) -> str:
    return _("%(m)s月") % {"m": month}


class Step1Form(InputChecksMixin, forms.Form):
    """Annual amounts per energy source in the units of the bills, or April–March monthly amounts.

    Twelve months make the annual amount; with fewer, the annual amount stays empty unless one is entered or
    "annualise" is ticked (the result then says it was annualised from n months).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = list(ENTRIES)
        for code in self.entries:
            unit = ENTRIES[code][1]
            hint = BILL_HELP[code]
            self.fields[code] = _amount_field(
                _("%(label)s：1年間の使用量（%(unit)s）") % {"label": ENTRY_LABELS[code], "unit": unit}, hint=hint
            )
            for month in FISCAL_MONTHS:
                self.fields[f"{code}_m{month}"] = _amount_field(
                    _("%(label)s %(month)s（%(unit)s）")
                    % {"label": ENTRY_LABELS[code], "month": _month_label(month), "unit": unit}
                )
            self.fields[f"{code}_annualise"] = forms.BooleanField(
                label=_("12か月に満たない場合、入力した月の平均から1年分に換算する（年換算）"), required=False
            )
        self.fields["city_gas_mj_per_m3"] = forms.DecimalField(
            label=_("都市ガスの熱量（MJ/m³）"),
            required=False,
            max_digits=8,
            decimal_places=3,
            help_text=_(
                "都市ガスをm³で入力するときに必要です。検針票・請求書やガス会社のウェブサイトに記載されている、"
                "供給しているガスの熱量（MJ/m³）を入力してください。"
            ),
            error_messages={"invalid": _("数値を入力してください。")},
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
        )
        self.fields.update(lpg_fields())
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

    def clean_market_electricity_kg_per_kwh(self):
        value = self.cleaned_data.get("market_electricity_kg_per_kwh")
        if value is not None and (problem := market_factor_problem(value)):
            raise forms.ValidationError(problem)
        return value

    def clean_lpg_supplier_kg_per_m3(self):
        value = self.cleaned_data.get("lpg_supplier_kg_per_m3")
        if value is not None and (problem := lpg_supplier_problem(value)):
            raise forms.ValidationError(problem)
        return value

    def annual_fields(self):
        fields = []
        for code in self.entries:
            fields.append(self[code])
            if code == "city_gas_m3":
                fields.append(self["city_gas_mj_per_m3"])
            if code == "lpg_m3":
                fields += [self["lpg_gas"], self["lpg_supplier_kg_per_m3"]]
        return [*fields, self["market_electricity_kg_per_kwh"]]

    def _months_of(self, code: str) -> int:
        if self.is_bound:
            return sum(1 for m in FISCAL_MONTHS if (self.data.get(self.add_prefix(f"{code}_m{m}")) or "").strip())
        return sum(1 for m in FISCAL_MONTHS if self.initial.get(f"{code}_m{m}") not in (None, ""))

    def put_first(self, codes) -> None:
        """The entries carried over from last year's sheet come first, in the order of the form."""
        carried = [code for code in self.entries if code in set(codes)]
        self.entries = carried + [code for code in self.entries if code not in carried]
        self.carried = carried

    def monthly_groups(self):
        return [
            {
                "code": code,
                "label": ENTRY_LABELS[code],
                "unit": ENTRIES[code][1],
                "months": self._months_of(code),
                "fields": [self[f"{code}_m{m}"] for m in FISCAL_MONTHS],
                "annualise": self[f"{code}_annualise"],
            }
            for code in self.entries
        ]

    def to_data(self) -> dict:
        names = [
            *self.entries,
            "city_gas_mj_per_m3",
            "lpg_gas",
            "lpg_supplier_kg_per_m3",
            "market_electricity_kg_per_kwh",
        ]
        data = {name: self.cleaned_data.get(name) for name in names}
        for code in self.entries:
            months = {m: self.cleaned_data.get(f"{code}_m{m}") for m in FISCAL_MONTHS}
            if any(v is not None for v in months.values()):
                data[f"{code}_monthly"] = months
            data[f"{code}_annualise"] = self.cleaned_data.get(f"{code}_annualise", False)
        return data

    @classmethod
    def initial_for(cls, sheet: Sheet) -> dict:
        annualised = set(sheet.annualised or ())
        monthly = sheet.monthly or {}
        initial = {
            name: getattr(sheet, name)
            for name in [
                *ENTRIES,
                "city_gas_mj_per_m3",
                "lpg_gas",
                "lpg_supplier_kg_per_m3",
                "market_electricity_kg_per_kwh",
            ]
        }
        for code in ENTRIES:
            if code in annualised or (code in monthly and len(monthly[code]) == 12):
                initial[code] = None  # the annual figure comes from the months: do not ask for it twice
            initial[f"{code}_annualise"] = code in annualised
            for month, value in monthly.get(code, {}).items():
                initial[f"{code}_m{month}"] = value
        return initial


class Step2Form(InputChecksMixin, forms.Form):
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


class Step3Form(InputChecksMixin, forms.ModelForm):
    class Meta:
        model = Sheet
        fields = STEP3_FIELDS
        widgets = {"roadmap": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "base_year": _("例：2023"),
            "target_reduction_pct": _("基準年度からの削減率。例：46"),
            "roadmap": _("例：2026年 LED化／2027年 コンプレッサー更新／2030年 46%削減"),
            "sbt_revenue_yen": _("円で入力してください。ユーロの基準は管理者が設定したレートで換算します。"),
            "sbt_total_assets_yen": _("円で入力してください。"),
        }

    SBT_QUESTIONS = ("sbt_financial_or_oil_gas", "sbt_sector_specific_method_required", "sbt_parent_under_standard_sbt")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.SBT_QUESTIONS:
            # はい／いいえ, nothing chosen until the SME answers: an unanswered mandatory question is never "met"
            self.fields[name] = forms.TypedChoiceField(
                label=Sheet._meta.get_field(name).verbose_name,
                choices=[("true", _("はい")), ("false", _("いいえ"))],
                coerce=lambda value: value == "true",
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                help_text=_(
                    "中小企業版SBTの必須の要件です。回答するまで「未回答」として扱い、満たすとはみなしません。"
                ),
            )
            value = self.initial.get(name)
            self.initial[name] = None if value is None else ("true" if value else "false")
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


# source -> (Factor field converting the bill's m3, label)
CONVERSION_FIELDS = {
    "city_gas_nm3": ("gj_per_unit", _("標準の熱量（GJ/千Nm3、請求書のm³の換算に使用）")),
    "lpg_kg": ("kg_per_m3", _("m³あたりのkg（請求書のm³の換算に使用。出典を備考に）")),
}


class FactorSetVersionForm(InputChecksMixin, forms.Form):
    """The admin form that creates the next version of a factor set (prefilled with the base version)."""

    name = forms.CharField(label=_("名称"), max_length=200)
    source = forms.CharField(label=_("出典"), max_length=300)
    publication = forms.CharField(label=_("公表資料"), max_length=300, required=False)
    url = forms.URLField(label=_("出典URL"), assume_scheme="https")
    note = forms.CharField(label=_("備考"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, base, copy_to_year: bool = False, **kwargs):
        self.base = base
        self.copy_to_year = copy_to_year
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
        if copy_to_year:
            # the year to add, first in the form; its own source line is required (the service refuses a copy)
            self.fields = {
                "fiscal_year": forms.IntegerField(
                    label=_("コピー先の年度"),
                    min_value=FIRST_FISCAL_YEAR,
                    max_value=2100,
                    help_text=_("係数を登録する年度（4月〜翌年3月）。例：2025"),
                ),
                **self.fields,
            }
            self.fields["source"].help_text = _("この年度の係数を載せている資料に書き換えてください。")
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
            if row.source in CONVERSION_FIELDS:
                name, label = CONVERSION_FIELDS[row.source]
                self.fields[f"{row.source}-{name}"] = forms.DecimalField(
                    label=label, required=False, min_value=Decimal("0.0001"), max_digits=10, decimal_places=4
                )
                self.initial[f"{row.source}-{name}"] = getattr(row, name)

    def _names(self, source: str) -> list[str]:
        extra = [CONVERSION_FIELDS[source][0]] if source in CONVERSION_FIELDS else []
        return ["t_per_unit", "source_text", "publication", "note", *extra]

    def factor_rows(self):
        return [
            {
                "source": row.source,
                "label": SOURCE_LABELS.get(row.source, row.source),
                "unit": row.unit,
                "scope": row.scope,
                "fields": [self[f"{row.source}-{name}"] for name in self._names(row.source)[:4]],
                "conversion": self[f"{row.source}-{CONVERSION_FIELDS[row.source][0]}"]
                if row.source in CONVERSION_FIELDS
                else None,
            }
            for row in self.rows
        ]

    def to_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ("name", "source", "publication", "url", "note")}
        if self.copy_to_year:
            data["fiscal_year"] = self.cleaned_data["fiscal_year"]
        data["factors"] = {
            row.source: {name: self.cleaned_data[f"{row.source}-{name}"] for name in self._names(row.source)}
            for row in self.rows
        }
        return data


class DeskAmountsForm(InputChecksMixin, forms.Form):
    """The desk corrects a sheet's annual amounts (at the company's request); the service recomputes everything."""

    def __init__(self, *args, sheet, **kwargs):

        super().__init__(*args, **kwargs)
        for code, (unit, _divisor) in SOURCES.items():
            self.fields[code] = forms.DecimalField(
                label=f"{SOURCE_LABELS[code]}（{unit}）", required=False, min_value=0, decimal_places=3
            )
            self.initial[code] = getattr(sheet, code)
        self.fields.update(lpg_fields())
        self.fields["market_electricity_kg_per_kwh"] = forms.DecimalField(
            label=Sheet._meta.get_field("market_electricity_kg_per_kwh").verbose_name,
            required=False,
            min_value=0,
        )
        self.initial["market_electricity_kg_per_kwh"] = sheet.market_electricity_kg_per_kwh

    def service_data(self, sheet) -> dict:
        """What sheet_save_step1 takes; the monthly split of an amount the desk did not touch is kept."""

        data = dict(self.cleaned_data)
        for code in SOURCES:
            if code in sheet.monthly and data.get(code) == getattr(sheet, code):
                data[f"{code}_monthly"] = sheet.monthly[code]
        return data
