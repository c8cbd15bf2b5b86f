from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.fields import HttpsURLField
from core.models import BaseModel

from .calculator import (
    AWARENESS,
    ENTRIES,
    ENTRY_LABELS,
    LPG_DEFAULT_GAS,
    LPG_GAS_LABELS,
    MEASURE_STATUSES,
    MEASURES,
    SOURCES,
    factor_year_note,
)

MAX_AMOUNT = Decimal("1000000000000")  # 10^12 of any unit: above this an entry is a typo, not a bill
# Step 3 (計画策定): the sheet fields its form shows and its service saves, in the order of the page.
STEP3_FIELDS = [
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


class FactorSet(BaseModel):
    """One version of the official emission factors for one fiscal year (温対法 算定・報告・公表制度).

    A version that a sheet was computed with is never edited: changing a factor creates the next version of the
    set for that fiscal year (services.factor_set_new_version), and each sheet keeps the values it used.
    """

    name = models.CharField(_("名称"), max_length=200)
    fiscal_year = models.PositiveIntegerField(
        _("対象年度"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("この係数を使うエネルギー使用の年度（4月〜翌年3月）"),
    )
    version = models.PositiveIntegerField(_("版"), default=1, validators=[MinValueValidator(1)])
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_versions",
        verbose_name=_("前の版"),
    )
    source = models.CharField(_("出典"), max_length=300)
    publication = models.CharField(
        _("公表資料"), max_length=300, blank=True, help_text=_("係数を載せている資料の名称と公表時期")
    )
    url = HttpsURLField(_("出典URL"))
    note = models.TextField(_("備考"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登録した人"),
    )
    history = HistoricalRecords(verbose_name=_("排出係数セットの変更履歴"))

    class Meta:
        verbose_name = _("排出係数セット")
        verbose_name_plural = _("排出係数セット")
        ordering = ["-fiscal_year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "version"], name="factor_set_year_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="factor_set_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.fiscal_year}年度・第{self.version}版）"


class Factor(BaseModel):
    SOURCE_CHOICES = [(code, code) for code in SOURCES]

    factor_set = models.ForeignKey(
        FactorSet, on_delete=models.CASCADE, related_name="factors", verbose_name=_("係数セット")
    )
    source = models.CharField(_("エネルギー種別"), max_length=30, choices=SOURCE_CHOICES)
    unit = models.CharField(_("単位"), max_length=20, help_text=_("係数の単位（kWh、千Nm3、t、kL、GJ）"))
    t_per_unit = models.DecimalField(_("排出係数（t-CO2/単位）"), max_digits=12, decimal_places=7)
    scope = models.PositiveSmallIntegerField(_("スコープ"), choices=[(1, "Scope 1"), (2, "Scope 2")])
    source_text = models.CharField(
        _("出典（この係数）"), max_length=300, blank=True, help_text=_("空欄ならセットの出典")
    )
    publication = models.CharField(
        _("公表資料（この係数）"), max_length=300, blank=True, help_text=_("空欄ならセットの公表資料")
    )
    note = models.CharField(_("算出方法・照合"), max_length=500, blank=True)
    gj_per_unit = models.DecimalField(
        _("標準の熱量（GJ/係数の単位）"),
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("都市ガスのみ：請求書のm³を熱量で換算するときの基準（GJ/千Nm3）。出典を備考に書いてください。"),
    )
    kg_per_m3 = models.DecimalField(
        _("m³あたりのkg"),
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("LPGのみ：請求書のm³をkgに換算する値。出典を備考に書いてください。空欄ならm³では計算しません。"),
    )
    history = HistoricalRecords(verbose_name=_("排出係数の変更履歴"))

    class Meta:
        verbose_name = _("排出係数")
        verbose_name_plural = _("排出係数")
        ordering = ["factor_set", "source"]
        constraints = [
            models.UniqueConstraint(fields=["factor_set", "source"], name="factor_once_per_set"),
            models.CheckConstraint(condition=Q(t_per_unit__gte=0), name="factor_non_negative"),
            models.CheckConstraint(
                condition=Q(gj_per_unit__isnull=True) | Q(gj_per_unit__gt=0), name="factor_heat_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(kg_per_m3__isnull=True) | Q(kg_per_m3__gt=0), name="factor_kg_per_m3_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.t_per_unit} t-CO2/{self.unit}"


class SelfcheckSettings(BaseModel):
    """Staff-editable settings of the self-check (one row)."""

    jpy_per_eur = models.DecimalField(
        _("ユーロ円レート（円/ユーロ）"),
        max_digits=8,
        decimal_places=2,
        default=Decimal(184),
        validators=[MinValueValidator(Decimal(1))],
        help_text=_("中小企業版SBTの売上高・総資産の基準（ユーロ）を円に換算するレート"),
    )

    # The SBTi SME route's Scope 1+2 reduction to 2030: not in the portal's source documents, so it starts empty and
    # the target path is shown only once staff enter it together with its source (the database holds the pair).
    sbt_sme_reduction_pct = models.DecimalField(
        _("中小企業版SBTの削減率（Scope 1＋2、2030年度まで、%）"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal(100))],
        help_text=_(
            "SBTiの中小企業向けルートが求める、基準年度から2030年までの絶対量での削減率。このポータルの参照資料には"
            "載っていないため、最初は空欄です。SBTiの公表資料で確かめてから、出典と一緒に入力してください。"
            "入力すると、セルフチェックの結果とPDFに削減の道筋（基準年度から2030年度まで）が表示されます。"
        ),
    )
    sbt_sme_reduction_source = models.CharField(
        _("削減率の出典"),
        max_length=300,
        blank=True,
        help_text=_("資料名と版・公表時期（例：SBTi「……」Version ○、20○○年○月）。削減率を入れるときは必須です。"),
    )
    sbt_sme_reduction_url = HttpsURLField(_("削減率の出典URL"), blank=True)

    history = HistoricalRecords(verbose_name=_("セルフチェック設定の変更履歴"))

    class Meta:
        verbose_name = _("セルフチェック設定")
        verbose_name_plural = _("セルフチェック設定")
        constraints = [
            models.CheckConstraint(
                condition=Q(sbt_sme_reduction_pct__isnull=True)
                | (Q(sbt_sme_reduction_pct__gt=0, sbt_sme_reduction_pct__lte=100) & ~Q(sbt_sme_reduction_source="")),
                name="selfcheck_settings_sbt_rate_with_source",
            )
        ]

    def clean(self) -> None:
        super().clean()
        if self.sbt_sme_reduction_pct is not None and not self.sbt_sme_reduction_source.strip():
            raise ValidationError(
                {"sbt_sme_reduction_source": _("削減率を入力するときは、その出典も入力してください。")}
            )

    def __str__(self) -> str:
        return f"{self.jpy_per_eur} JPY/EUR"


class Sheet(BaseModel):
    class PdfStatus(models.TextChoices):
        NONE = "none", _("未作成")
        QUEUED = "queued", _("作成待ち")
        RENDERING = "rendering", _("作成中")
        READY = "ready", _("作成済み")
        FAILED = "failed", _("失敗（再試行します）")

    class ReIntent(models.TextChoices):
        NONE = "none", _("未定")
        CONSIDERING = "considering", _("検討中")
        PARTIAL = "partial", _("一部を再エネに切り替える予定")
        RE_ACTION = "re_action", _("再エネ100宣言 RE Actionに参加・参加予定")

    company = models.ForeignKey(
        "accounts.Company",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="selfcheck_sheets",
        verbose_name=_("企業"),
    )
    session_key = models.CharField(_("お試しのセッション"), max_length=64, blank=True, db_index=True)
    fiscal_year = models.PositiveIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    factor_set = models.ForeignKey(FactorSet, on_delete=models.PROTECT, verbose_name=_("排出係数セット"))
    # the factors this sheet's results were computed with, frozen: {source: {"t_per_unit", "unit", "scope"}}
    factors_used = models.JSONField(_("計算に使った排出係数"), default=dict, blank=True)

    # step 1
    electricity_kwh = models.DecimalField(_("電気（kWh）"), max_digits=16, decimal_places=3, null=True, blank=True)
    city_gas_nm3 = models.DecimalField(_("都市ガス（Nm3）"), max_digits=16, decimal_places=3, null=True, blank=True)
    lpg_kg = models.DecimalField(_("LPG（kg）"), max_digits=16, decimal_places=3, null=True, blank=True)
    gasoline_l = models.DecimalField(_("ガソリン（L）"), max_digits=16, decimal_places=3, null=True, blank=True)
    kerosene_l = models.DecimalField(_("灯油（L）"), max_digits=16, decimal_places=3, null=True, blank=True)
    diesel_l = models.DecimalField(_("軽油（L）"), max_digits=16, decimal_places=3, null=True, blank=True)
    heavy_oil_a_l = models.DecimalField(_("A重油（L）"), max_digits=16, decimal_places=3, null=True, blank=True)
    heat_gj = models.DecimalField(_("購入した熱（GJ）"), max_digits=16, decimal_places=3, null=True, blank=True)
    city_gas_m3 = models.DecimalField(_("都市ガス（m³）"), max_digits=16, decimal_places=3, null=True, blank=True)
    city_gas_mj_per_m3 = models.DecimalField(
        _("都市ガスの熱量（MJ/m³）"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    lpg_m3 = models.DecimalField(_("LPG（m³）"), max_digits=16, decimal_places=3, null=True, blank=True)
    lpg_gas = models.CharField(
        _("LPガスの種類（m³の換算）"),
        max_length=10,
        choices=[(code, label) for code, label in LPG_GAS_LABELS.items()],
        default=LPG_DEFAULT_GAS,
    )
    lpg_supplier_kg_per_m3 = models.DecimalField(
        _("LPガス販売店の換算係数（kg/m³）"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    # {entry code: {"4": "1200", "5": "1100", ...}}: calendar month number -> amount; a missing month is not entered
    monthly = models.JSONField(_("月別の使用量"), default=dict, blank=True)
    annualised = models.JSONField(_("年換算した項目"), default=list, blank=True)
    # A sheet opened from the April invitation: the entries (and their months) of the year before, without values:
    # {"from_year": 2025, "entries": [entry code, ...], "monthly": {entry code: [month, ...]}}; empty otherwise.
    carried = models.JSONField(_("前年度から引き継いだ入力欄"), default=dict, blank=True)
    market_electricity_kg_per_kwh = models.DecimalField(
        _("電力会社の排出係数（kg-CO2/kWh）"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # step 2
    measures = models.JSONField(_("省エネの取り組み"), default=dict, blank=True)
    awareness = models.JSONField(_("情報収集・気づき"), default=dict, blank=True)
    # step 3
    base_year = models.PositiveIntegerField(_("基準年度"), null=True, blank=True)
    base_emissions_t = models.DecimalField(
        _("基準年度の排出量（t-CO2）"), max_digits=14, decimal_places=1, null=True, blank=True
    )
    target_year = models.PositiveIntegerField(_("目標年度"), null=True, blank=True)
    target_reduction_pct = models.DecimalField(_("削減率（%）"), max_digits=5, decimal_places=1, null=True, blank=True)
    re_intent = models.CharField(
        _("再生可能エネルギーの導入"), max_length=20, choices=ReIntent.choices, default=ReIntent.NONE
    )
    person_in_charge = models.CharField(_("推進責任者"), max_length=100, blank=True)
    roadmap = models.TextField(_("ロードマップ（主なマイルストーン）"), blank=True)
    sbt_employees = models.PositiveIntegerField(_("従業員数（パートタイマーを含む）"), null=True, blank=True)
    sbt_revenue_yen = models.PositiveBigIntegerField(_("売上高（円）"), null=True, blank=True)
    sbt_total_assets_yen = models.PositiveBigIntegerField(_("総資産（円）"), null=True, blank=True)
    # the mandatory questions: null until the SME answers (an unanswered one never counts as met)
    sbt_financial_or_oil_gas = models.BooleanField(
        _("金融機関または石油・ガスのセクターに属する"), null=True, blank=True, default=None
    )
    sbt_sector_specific_method_required = models.BooleanField(
        _("SBTiのセクター別手法での目標設定を求められている"), null=True, blank=True, default=None
    )
    sbt_parent_under_standard_sbt = models.BooleanField(
        _("通常版SBTの対象となる親会社の子会社である"), null=True, blank=True, default=None
    )
    sbt_flag_sector = models.BooleanField(_("森林・土地・農業（FLAG）セクターに属する"), default=False)
    step3_saved = models.BooleanField(_("ステップ3を保存済み"), default=False)

    # results kept for lists (recomputed on every save by the service)
    total_t = models.DecimalField(_("CO2排出量（t-CO2）"), max_digits=16, decimal_places=1, null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("総合レベル"), default=1)

    # PDF report
    pdf_status = models.CharField(_("PDFの状態"), max_length=20, choices=PdfStatus.choices, default=PdfStatus.NONE)
    pdf_path = models.CharField(_("PDFファイル"), max_length=300, blank=True)
    pdf_version = models.PositiveIntegerField(_("PDFの版"), default=0)
    pdf_rendered_version = models.PositiveIntegerField(_("作成済みPDFの版"), default=0)
    pdf_attempts = models.PositiveIntegerField(_("PDF作成の試行回数"), default=0)
    pdf_error = models.TextField(_("PDF作成のエラー"), blank=True)
    pdf_rendered_at = models.DateTimeField(_("PDF作成日時"), null=True, blank=True)
    # when the current version was asked for (shown as the wait), and until when the queued or running render
    # owns it: past that, the beat job queues it again (a lost message, a killed worker)
    pdf_requested_at = models.DateTimeField(_("PDF作成の依頼日時"), null=True, blank=True)
    pdf_lease_until = models.DateTimeField(_("PDF作成の担当期限"), null=True, blank=True)
    # The answers and the results; the PDF bookkeeping of the render task is not an audit event (see save()).
    history = HistoricalRecords(
        verbose_name=_("セルフチェックシートの変更履歴"),
        excluded_fields=[
            "pdf_path",
            "pdf_rendered_version",
            "pdf_attempts",
            "pdf_error",
            "pdf_rendered_at",
            "pdf_requested_at",
            "pdf_lease_until",
        ],
    )

    @classmethod
    def audit_value_labels(cls, field_name: str) -> dict:
        """The labels the audit list shows for the codes inside the JSON answers (core.audit)."""
        months = {str(m): f"{m}月" for m in range(1, 13)}
        return {
            "measures": {**{code: label for code, _family, label in MEASURES}, **dict(MEASURE_STATUSES)},
            "awareness": dict(AWARENESS),
            "monthly": {**ENTRY_LABELS, **months},
            "annualised": dict(ENTRY_LABELS),
            "factors_used": {**ENTRY_LABELS, "t_per_unit": _("t-CO2／単位"), "unit": _("単位"), "scope": _("スコープ")},
        }.get(field_name, {})

    class Meta:
        verbose_name = _("セルフチェックシート")
        verbose_name_plural = _("セルフチェックシート")
        ordering = ["-fiscal_year", "-updated_at"]
        constraints = (
            [
                models.UniqueConstraint(
                    fields=["company", "fiscal_year"],
                    condition=Q(company__isnull=False),
                    name="one_sheet_per_company_year",
                ),
                models.CheckConstraint(condition=Q(company__isnull=False) | ~Q(session_key=""), name="sheet_has_owner"),
                models.CheckConstraint(
                    condition=Q(market_electricity_kg_per_kwh__isnull=True)
                    | Q(market_electricity_kg_per_kwh__gte=0, market_electricity_kg_per_kwh__lte=2),
                    name="sheet_market_factor_kg_range",
                ),
            ]
            + [
                models.CheckConstraint(
                    condition=Q(**{f"{code}__gte": 0}) | Q(**{f"{code}__isnull": True}),
                    name=f"sheet_{code}_non_negative",
                )
                for code in ENTRIES
            ]
            + [
                models.CheckConstraint(
                    condition=Q(city_gas_mj_per_m3__isnull=True) | Q(city_gas_mj_per_m3__gt=0),
                    name="sheet_city_gas_heat_value_positive",
                ),
                models.CheckConstraint(
                    condition=Q(lpg_supplier_kg_per_m3__isnull=True) | Q(lpg_supplier_kg_per_m3__gt=0),
                    name="sheet_lpg_supplier_factor_positive",
                ),
                models.CheckConstraint(condition=Q(lpg_gas__in=["propane", "butane"]), name="sheet_lpg_gas_known"),
            ]
        )

    def __str__(self) -> str:
        owner = self.company.name if self.company_id else _("お試し")
        return f"{owner} {self.fiscal_year}年度"

    def save(self, *args, **kwargs) -> None:
        update_fields = set(kwargs.get("update_fields") or ())
        if update_fields and all(name.startswith("pdf_") for name in update_fields):
            self.skip_history_when_saving = True
        try:
            super().save(*args, **kwargs)
        finally:
            self.__dict__.pop("skip_history_when_saving", None)

    @property
    def factor_note(self) -> str | None:
        """「2025年度の係数が未登録のため、2026年度の係数で算定」 when computed with another year's set."""
        return factor_year_note(fiscal_year=self.fiscal_year, factor_year=self.factor_set.fiscal_year)

    def amounts(self) -> dict[str, Decimal | None]:
        """The annual amount of each entry (ENTRIES), in the unit it was entered in; None is "not entered"."""
        return {code: getattr(self, code) for code in ENTRIES}

    def months_entered(self) -> dict[str, int]:
        return {code: len(values) for code, values in (self.monthly or {}).items() if values}

    def incomplete_months(self) -> dict[str, int]:
        """Entries given for fewer than 12 months with no annual figure: left out of the totals, not guessed."""
        return {code: n for code, n in self.months_entered().items() if n < 12 and getattr(self, code, None) is None}

    @property
    def pdf_pending(self) -> bool:
        return self.pdf_status in (self.PdfStatus.QUEUED, self.PdfStatus.RENDERING)

    @property
    def pdf_is_stale(self) -> bool:
        """Waiting longer than a render may take: the page offers to make it again."""
        if not self.pdf_pending or self.pdf_requested_at is None:
            return False
        lease = timedelta(seconds=settings.SELFCHECK_PDF_LEASE_SECONDS)
        return timezone.now() - self.pdf_requested_at > lease
