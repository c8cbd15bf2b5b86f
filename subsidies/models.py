"""The support catalogue: measures, their tracks (枠/類型) with caps, application rounds, follows, CN action plans.

Field names follow the Digital Agency's jGrants public API where one exists (use_purpose, subsidy_max_limit,
subsidy_rate, target_area_search, target_number_of_employees, acceptance_*_datetime, industry).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import Industry, InstitutionType, Prefecture
from core.fields import HttpsURLField
from core.models import BaseModel

JGRANTS_ATTRIBUTION = "Jグランツ（jGrants）からの出典"
# A moment long past: a measure whose finder order is "valid until" then is recomputed on the next finder request.
ORDER_DUE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# Version (core.cache, docs/cache.md) of everything the finder's counts depend on: measures, tracks, caps, rounds and the
# finder order kept on the rows (wired in subsidies.apps; ordering.refresh bumps it after its bulk update).
CATALOGUE_VERSION = "subsidies-catalogue"


class SourceLinkKind(models.TextChoices):
    OFFICIAL = "official", _("公式情報（この支援策の公式ページ）")
    REFERENCE = "reference", _("参考資料（資料名・年度を表示）")


class MeasureKind(models.TextChoices):
    SUBSIDY = "subsidy", _("補助金")
    TAX = "tax", _("税制優遇")
    LOAN_INSURANCE = "loan_insurance", _("融資・保険")
    DIAGNOSIS = "diagnosis", _("無料診断")
    CONSULTATION = "consultation", _("相談")
    PROGRAMME = "programme", _("支援プログラム")


class Step(models.TextChoices):
    KNOW = "know", _("知る")
    MEASURE = "measure", _("測る")
    REDUCE = "reduce", _("減らす")
    SUPPLY_CHAIN = "supply_chain", _("サプライチェーン・事業転換")


class EmployeeLimit(models.TextChoices):
    """jGrants `target_number_of_employees` values."""

    ANY = "従業員数の制約なし", _("従業員数の制約なし")
    LE_5 = "5名以下", _("5名以下")
    LE_20 = "20名以下", _("20名以下")
    LE_50 = "50名以下", _("50名以下")
    LE_100 = "100名以下", _("100名以下")
    LE_300 = "300名以下", _("300名以下")
    LE_900 = "900名以下", _("900名以下")
    GT_900 = "901名以上", _("901名以上")


EMPLOYEE_LIMIT_MAX = {
    EmployeeLimit.LE_5: 5,
    EmployeeLimit.LE_20: 20,
    EmployeeLimit.LE_50: 50,
    EmployeeLimit.LE_100: 100,
    EmployeeLimit.LE_300: 300,
    EmployeeLimit.LE_900: 900,
}


class Activity(models.TextChoices):
    """The support activities a CN action plan may list (DOMAIN.md)."""

    INFORMATION = "information", _("情報提供")
    CONSULTATION = "consultation", _("相談対応")
    SEMINAR = "seminar", _("セミナー開催")
    STAFF_TRAINING = "staff_training", _("職員研修")
    CHECK_SHEET = "check_sheet", _("チェックシート配布")
    EXPERT_DISPATCH = "expert_dispatch", _("専門家派遣")
    SUBSIDY_HELP = "subsidy_help", _("補助金申請支援")
    J_CREDIT = "j_credit", _("J-クレジット制度の活用支援")


def codes_to_text(codes) -> str:
    """Store a set of codes as ",a,b," so that one `contains` lookup finds a code on any database."""
    codes = [c for c in codes if c]
    return f",{','.join(codes)}," if codes else ""


def text_to_codes(text: str) -> list[str]:
    return [c for c in (text or "").split(",") if c]


class Measure(BaseModel):
    name = models.CharField(_("名称"), max_length=255)
    kind = models.CharField(_("種類"), max_length=20, choices=MeasureKind.choices)
    administering_body = models.CharField(_("実施機関"), max_length=200)
    step = models.CharField(_("ステップ"), max_length=20, choices=Step.choices, db_index=True)
    use_purpose = models.CharField(_("利用目的"), max_length=255, blank=True)
    description = models.TextField(_("概要"), blank=True)
    target_number_of_employees = models.CharField(
        _("対象の従業員数"), max_length=20, choices=EmployeeLimit.choices, default=EmployeeLimit.ANY
    )
    max_capital_yen = models.PositiveBigIntegerField(
        _("資本金の上限（円）"), null=True, blank=True, help_text=_("空欄なら資本金の制限なし")
    )
    industry = models.CharField(
        _("対象業種"), max_length=255, blank=True, help_text=_("空欄なら全業種。コードをカンマで囲んで保存します。")
    )
    target_area_search = models.CharField(
        _("対象地域"),
        max_length=600,
        blank=True,
        help_text=_("空欄なら全国。都道府県コードをカンマで囲んで保存します。"),
    )
    subsidy_max_limit = models.PositiveBigIntegerField(_("補助上限額（円）"), null=True, blank=True)
    subsidy_rate = models.CharField(_("補助率"), max_length=100, blank=True)
    source_url = HttpsURLField(_("リンク先のURL"), max_length=500)
    source_url_kind = models.CharField(
        _("リンク先の種類"),
        max_length=20,
        choices=SourceLinkKind.choices,
        default=SourceLinkKind.REFERENCE,
        help_text=_("「公式情報」と表示するのは、この支援策そのものの公式ページだけです。それ以外は「参考資料」です。"),
    )
    source_url_title = models.CharField(
        _("参考資料の名前と年度"),
        max_length=255,
        blank=True,
        help_text=_("参考資料のとき必須：リンク先の資料名と年度（例：経済産業省 支援策パンフレット（2022年度））"),
    )
    ended = models.BooleanField(
        _("過去の制度"),
        default=False,
        help_text=_(
            "受付を終え、今は募集していない制度。「過去の制度」と表示し、検索では求められたときだけ表示します。"
        ),
    )
    ended_note = models.CharField(
        _("過去の制度とした根拠"), max_length=300, blank=True, help_text=_("例：令和5年度で終了（公式サイトで確認）")
    )
    source_title = models.CharField(
        _("出典資料"),
        max_length=255,
        help_text=_("この掲載内容のもとにした資料の名前（発行元と資料名）。"),
    )
    source_date = models.CharField(
        _("出典資料の日付"),
        max_length=100,
        blank=True,
        help_text=_(
            "資料に書かれている日付を、書かれているとおりに（例: 令和7年12月、2022年度）。書かれていなければ空欄。"
        ),
    )
    # Set only by measure_mark_checked (the admin action "確認済みにする"); never typed in or guessed.
    last_checked = models.DateField(_("最終確認日"), null=True, blank=True, editable=False)
    last_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最終確認者"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    jgrants_id = models.CharField(_("JグランツID"), max_length=64, null=True, blank=True, unique=True)
    from_jgrants = models.BooleanField(_("Jグランツから取込"), default=False)
    # Where the finder lists the measure, so that the database orders and pages the catalogue: 0 open (then by
    # order_deadline, the current round's end), 1 upcoming, 2 no round known, 3 closed. Derived from the rounds and
    # the time now by subsidies.ordering: they hold from order_valid_from (the last round opening or closing) until
    # order_valid_until (the next one). A new measure has no round (2, for ever); a round change recomputes them.
    order_rank = models.PositiveSmallIntegerField(default=2, editable=False)
    order_deadline = models.DateTimeField(null=True, blank=True, editable=False)
    order_valid_from = models.DateTimeField(null=True, blank=True, editable=False)
    order_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(
        verbose_name=_("支援策の変更履歴"),
        excluded_fields=["order_rank", "order_deadline", "order_valid_from", "order_valid_until"],  # derived
    )

    class Meta:
        verbose_name = _("支援策")
        verbose_name_plural = _("支援策")
        ordering = ["step", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_jgrants=False) | Q(jgrants_id__isnull=False), name="subsidies_jgrants_has_id"
            ),
            models.CheckConstraint(
                condition=Q(source_url_kind="official") | ~Q(source_url_title=""),
                name="subsidies_reference_link_has_title",
                violation_error_message=_("参考資料のときは、資料名と年度を入力してください。"),
            ),
        ]
        indexes = [
            models.Index(
                fields=["order_rank", "order_deadline", "step", "name", "id"], name="subsidies_measure_finder_order"
            ),
            models.Index(fields=["order_valid_until"], name="subsidies_measure_order_due"),
            models.Index(fields=["order_valid_from"], name="subsidies_measure_order_from"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("subsidies:detail", args=[self.pk])

    @property
    def industries(self) -> list[str]:
        return text_to_codes(self.industry)

    @property
    def prefectures(self) -> list[str]:
        return text_to_codes(self.target_area_search)

    @property
    def industry_labels(self) -> list[str]:
        return [str(Industry(c).label) for c in self.industries if c in Industry.values]

    @property
    def area_labels(self) -> list[str]:
        return [str(Prefecture(c).label) for c in self.prefectures if c in Prefecture.values]

    @property
    def attribution(self) -> str:
        return JGRANTS_ATTRIBUTION if self.from_jgrants else ""

    @property
    def link_is_official(self) -> bool:
        return self.source_url_kind == SourceLinkKind.OFFICIAL

    @property
    def link_label(self) -> str:
        """「公式情報」 only for the measure's own official page, otherwise 「参考資料（資料名・年度）」."""
        if self.link_is_official:
            return str(_("公式情報"))
        return str(_("参考資料（%(title)s）") % {"title": self.source_url_title})


class MeasureCheck(models.Model):
    """A staff member checked a measure against its official source: who and when (the audit trail)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="checks", verbose_name=_("支援策"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("確認者")
    )
    checked_at = models.DateTimeField(_("確認日時"), db_index=True)
    note = models.CharField(_("メモ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("確認記録")
        verbose_name_plural = _("確認記録")
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.checked_at:%Y-%m-%d}"


class Track(BaseModel):
    """A track (枠/類型) of a measure with its subsidy rate; caps depend on the company's head-count."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("支援策"))
    name = models.CharField(_("枠・類型"), max_length=200)
    subsidy_rate = models.CharField(_("補助率"), max_length=50, blank=True, help_text=_("例: 2/3"))
    rate_numerator = models.PositiveSmallIntegerField(_("補助率（分子）"), null=True, blank=True)
    rate_denominator = models.PositiveSmallIntegerField(_("補助率（分母）"), null=True, blank=True)
    min_amount_yen = models.PositiveBigIntegerField(_("補助下限額（円）"), null=True, blank=True)
    eligible_min_employees = models.PositiveIntegerField(
        _("対象となる従業員数（以上）"),
        null=True,
        blank=True,
        help_text=_("公募要領の定義による。空欄なら下限なし。"),
    )
    eligible_max_employees = models.PositiveIntegerField(
        _("対象となる従業員数（以下）"),
        null=True,
        blank=True,
        help_text=_("公募要領の定義による。空欄なら上限なし。"),
    )
    eligibility_note = models.CharField(_("対象の説明"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)
    history = HistoricalRecords(verbose_name=_("枠・類型の変更履歴"))

    class Meta:
        verbose_name = _("枠・類型")
        verbose_name_plural = _("枠・類型")
        ordering = ["measure", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "name"], name="subsidies_track_unique_name"),
            models.CheckConstraint(
                condition=Q(rate_denominator__isnull=True) | Q(rate_numerator__lte=F("rate_denominator")),
                name="subsidies_track_rate_le_one",
            ),
            models.CheckConstraint(
                condition=Q(eligible_max_employees__isnull=True)
                | Q(eligible_min_employees__isnull=True)
                | Q(eligible_max_employees__gte=F("eligible_min_employees")),
                name="subsidies_track_eligible_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.name} {self.name}"


class TrackCap(models.Model):
    """The cap of a track for companies with min_employees..max_employees people (max empty: no upper bound)."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="caps", verbose_name=_("枠・類型"))
    min_employees = models.PositiveIntegerField(_("従業員数（以上）"), default=0)
    max_employees = models.PositiveIntegerField(_("従業員数（以下）"), null=True, blank=True)
    max_amount_yen = models.PositiveBigIntegerField(_("補助上限額（円）"))

    class Meta:
        verbose_name = _("補助上限額")
        verbose_name_plural = _("補助上限額")
        ordering = ["track", "min_employees"]
        constraints = [
            models.UniqueConstraint(fields=["track", "min_employees"], name="subsidies_cap_unique_band"),
            models.CheckConstraint(
                condition=Q(max_employees__isnull=True) | Q(max_employees__gte=F("min_employees")),
                name="subsidies_cap_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        upper = self.max_employees if self.max_employees is not None else "∞"
        return f"{self.min_employees}–{upper}: {self.max_amount_yen:,}"


class ApplicationRound(BaseModel):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("支援策"))
    name = models.CharField(_("回"), max_length=100)
    acceptance_start_datetime = models.DateTimeField(_("受付開始"))
    acceptance_end_datetime = models.DateTimeField(_("受付締切"))
    is_demo = models.BooleanField(
        _("デモ用（架空）"),
        default=False,
        help_text=_("デモ用の架空の公募回。どのカードにも「デモ用・架空」と表示します。"),
    )
    history = HistoricalRecords(verbose_name=_("公募回の変更履歴"))

    class Meta:
        verbose_name = _("公募回")
        verbose_name_plural = _("公募回")
        ordering = ["measure", "acceptance_start_datetime"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acceptance_end_datetime__gt=F("acceptance_start_datetime")),
                name="subsidies_round_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["measure", "acceptance_start_datetime"], name="subsidies_round_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.name} {self.name}"


class Follow(BaseModel):
    """A user follows one measure, or a saved finder filter (querystring of step/prefecture/industry/employees/q)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ユーザー"), on_delete=models.CASCADE, related_name="subsidy_follows"
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("支援策"), on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    filter_query = models.CharField(_("条件"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("フォロー")
        verbose_name_plural = _("フォロー")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "measure"], condition=Q(measure__isnull=False), name="subsidies_follow_measure_once"
            ),
            models.UniqueConstraint(
                fields=["user", "filter_query"],
                condition=Q(measure__isnull=True),
                name="subsidies_follow_filter_once",
            ),
            models.CheckConstraint(
                condition=(Q(measure__isnull=False) & Q(filter_query=""))
                | (Q(measure__isnull=True) & ~Q(filter_query="")),
                name="subsidies_follow_measure_xor_filter",
            ),
        ]

    def __str__(self) -> str:
        what = str(self.measure) if self.measure_id else f"{_('検索条件')}：{self.filter_query or '—'}"
        return f"{self.user} → {what}"


class PlanType(models.TextChoices):
    """What the publisher calls its plan: METI's CN action plan, or a chamber's 環境アクションプラン (reference/002)."""

    CN = "cn", _("カーボンニュートラル・アクションプラン")
    ENVIRONMENT = "environment", _("環境アクションプラン")


class ActionPlan(BaseModel):
    """A support institution's published CN (or environment) action plan."""

    institution_name = models.CharField(_("機関名"), max_length=200)
    institution = models.ForeignKey(
        "accounts.SupportInstitution",
        verbose_name=_("ポータル上の支援機関"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_plans",
    )
    kind = models.CharField(_("種別"), max_length=20, choices=InstitutionType.choices)
    plan_type = models.CharField(_("プランの種類"), max_length=20, choices=PlanType.choices, default=PlanType.CN)
    prefecture = models.CharField(_("都道府県"), max_length=20, choices=Prefecture.choices)
    area = models.CharField(_("管轄地域"), max_length=200, blank=True)
    title = models.CharField(_("プラン名"), max_length=255, blank=True)
    summary = models.TextField(_("概要"), blank=True)
    activities = models.CharField(_("支援内容"), max_length=255, blank=True)
    plan_date = models.DateField(_("策定・更新時期"), null=True, blank=True)
    url = HttpsURLField(_("リンク"), blank=True)
    history = HistoricalRecords(verbose_name=_("CNアクションプランの変更履歴"))

    class Meta:
        verbose_name = _("支援機関のアクションプラン")
        verbose_name_plural = _("支援機関のアクションプラン")
        ordering = ["prefecture", "institution_name"]

    def __str__(self) -> str:
        return self.institution_name

    @property
    def activity_labels(self) -> list[str]:
        return [str(Activity(c).label) for c in text_to_codes(self.activities) if c in Activity.values]
