"""SMRJ's expert dispatch: CO2 diagnosis visits (診断・助言) and hands-on support (ハンズオン支援).

Facts from reference/001 (中小機構のカーボンニュートラル支援): the diagnosis is 3 free visits; hands-on support
runs about 10 months, about 20 expert-days (2–3 a month), at 17,500 yen per expert and day.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import BaseModel

DIAGNOSIS_MAX_VISITS = 3
VISIT_DAYS_MIN = Decimal("0.5")
VISIT_DAYS_MAX = Decimal("3.0")


class Programme(models.TextChoices):
    DIAGNOSIS = "diagnosis", _("CO2排出量の診断・助言")
    HANDSON = "handson", _("ハンズオン支援")


class Stage(models.TextChoices):
    AWAITING_COMPANY = "awaiting_company", _("企業の確認待ち")
    APPLIED = "applied", _("申込み受付")
    ACCEPTED = "accepted", _("受理")
    DECLINED = "declined", _("お断り")
    EXPERT_ASSIGNED = "expert_assigned", _("専門家決定")
    VISITS = "visits", _("訪問診断中")
    REPORT_DELIVERED = "report_delivered", _("診断報告書の提出")
    INTERVIEW = "interview", _("訪問調査・インタビュー")
    PLAN_AGREED = "plan_agreed", _("支援計画書の合意")
    KICKOFF = "kickoff", _("キックオフ")
    SUPPORT = "support", _("支援実施")
    FINAL_REPORT = "final_report", _("最終報告")
    FOLLOW_UP = "follow_up", _("フォローアップ")
    CLOSED = "closed", _("終了")
    WITHDRAWN = "withdrawn", _("取り下げ")


class Expert(BaseModel):
    """An expert SMRJ sends to companies; logs in with the linked account and sees only the assigned cases."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("ログインアカウント"), on_delete=models.PROTECT, related_name="expert"
    )
    name = models.CharField(_("氏名"), max_length=100)
    qualifications = models.CharField(_("資格"), max_length=200, blank=True)
    fields = models.CharField(_("専門分野"), max_length=200, blank=True)
    is_active = models.BooleanField(_("派遣可能"), default=True)

    class Meta:
        verbose_name = _("派遣専門家")
        verbose_name_plural = _("派遣専門家")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DayRate(BaseModel):
    """What a company pays per expert and day of hands-on support, from a date on (staff-editable data)."""

    yen_per_expert_day = models.PositiveIntegerField(
        _("1人日あたりの費用（円）"), validators=[MaxValueValidator(10**7)]
    )
    # Empty when the source states no start date: such a rate applies to every day before the first dated one.
    effective_from = models.DateField(_("適用開始日"), null=True, blank=True, unique=True)
    source = models.CharField(_("出典"), max_length=300)

    class Meta:
        verbose_name = _("ハンズオン支援の単価")
        verbose_name_plural = _("ハンズオン支援の単価")
        ordering = [models.F("effective_from").desc(nulls_last=True)]

    def __str__(self) -> str:
        since = f"{self.effective_from:%Y-%m-%d}〜" if self.effective_from else str(_("適用開始日の記載なし"))
        return f"{self.yen_per_expert_day:,}円（{since}）"


class Case(BaseModel):
    """One company's application for one programme, and everything that follows it."""

    programme = models.CharField(_("支援メニュー"), max_length=20, choices=Programme.choices)
    stage = models.CharField(_("段階"), max_length=20, choices=Stage.choices, default=Stage.APPLIED)
    company = models.ForeignKey("accounts.Company", verbose_name=_("企業"), on_delete=models.PROTECT, related_name="+")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申込者"), on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        "accounts.SupportInstitution",
        verbose_name=_("代理申込みした支援機関"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shared_with = models.ForeignKey(
        "accounts.SupportInstitution",
        verbose_name=_("成果物を共有する支援機関"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin = models.CharField(_("申込みのきっかけ"), max_length=20, blank=True)
    wants = models.TextField(_("相談したいこと・目指すこと"), max_length=2000)
    sites = models.TextField(_("事業所・工場"), max_length=2000)
    equipment = models.TextField(_("主な設備"), max_length=2000, blank=True)
    share_selfcheck = models.BooleanField(_("セルフチェックの結果を専門家と共有する"), default=False)
    applied_at = models.DateTimeField(_("申込日時"), null=True, blank=True)
    expert = models.ForeignKey(
        Expert, verbose_name=_("担当専門家"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    decline_reason = models.TextField(_("お断りの理由"), max_length=2000, blank=True)
    period_start = models.DateField(_("支援期間（開始）"), null=True, blank=True)
    period_end = models.DateField(_("支援期間（終了）"), null=True, blank=True)
    planned_expert_days = models.DecimalField(_("計画人日"), max_digits=5, decimal_places=1, null=True, blank=True)
    # What the deliverables say; written by the expert (diagnosis, final report) or the desk (support plan).
    findings = models.TextField(_("診断の所見"), max_length=5000, blank=True)
    baseline_t = models.DecimalField(
        _("基準年のCO2排出量（t-CO2）"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    after_t = models.DecimalField(
        _("支援後のCO2排出量（t-CO2）"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(_("目標年度"), null=True, blank=True)
    target_reduction_pct = models.PositiveSmallIntegerField(_("削減目標（%）"), null=True, blank=True)
    goals = models.TextField(_("支援の目標"), max_length=3000, blank=True)
    schedule = models.TextField(_("スケジュール"), max_length=3000, blank=True)
    roadmap = models.TextField(_("ロードマップ"), max_length=3000, blank=True)
    history = HistoricalRecords(verbose_name=_("派遣案件の変更履歴"))

    class Meta:
        verbose_name = _("派遣案件")
        verbose_name_plural = _("派遣案件")
        ordering = ["-created_at"]
        permissions = [("run_dispatch_desk", _("専門家派遣の窓口業務を行う"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_expert_days__isnull=True)
                | Q(planned_expert_days__gt=0, planned_expert_days__lte=200),
                name="dispatch_case_planned_days_range",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="dispatch_case_period_order",
            ),
            models.CheckConstraint(
                condition=Q(target_reduction_pct__isnull=True) | Q(target_reduction_pct__lte=100),
                name="dispatch_case_target_pct",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.company} {self.get_programme_display()}"


class CaseEvent(BaseModel):
    """Who moved a case from which stage to which, and when (the case's own audit trail)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(_("変更前"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("変更後"), max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作した人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("メモ"), blank=True)

    class Meta:
        verbose_name = _("案件の履歴")
        verbose_name_plural = _("案件の履歴")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        before = self.get_from_stage_display() or "—"
        return f"#{self.case_id} {before} → {self.get_to_stage_display()}"


class Visit(BaseModel):
    """An expert's visit to the company, with its log."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    number = models.PositiveSmallIntegerField(_("回"))
    starts_at = models.DateTimeField(_("訪問日時"))
    ends_at = models.DateTimeField(_("終了予定"))
    expert_days = models.DecimalField(_("人日"), max_digits=3, decimal_places=1)
    done = models.TextField(_("実施内容"), max_length=3000, blank=True)
    readings = models.TextField(_("計測・検針の記録"), max_length=3000, blank=True)
    history = HistoricalRecords(verbose_name=_("訪問の変更履歴"))

    class Meta:
        verbose_name = _("訪問")
        verbose_name_plural = _("訪問")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="dispatch_visit_number_once"),
            models.CheckConstraint(
                condition=Q(expert_days__gte=VISIT_DAYS_MIN, expert_days__lte=VISIT_DAYS_MAX),
                name="dispatch_visit_days_range",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="dispatch_visit_order"),
        ]

    def __str__(self) -> str:
        return f"{self.case} 第{self.number}回"

    def happened(self, now=None) -> bool:
        """Done: its time is over and what was done is recorded (a visit still ahead is only planned)."""
        return self.ends_at <= (now or timezone.now()) and bool(self.done.strip())


class Family(models.TextChoices):
    """省エネの6つの視点 (reference/001)."""

    YAMERU = "yameru", _("ヤメル")
    SAGERU = "sageru", _("サゲル")
    NAOSU = "naosu", _("ナオス")
    TOMERU = "tomeru", _("トメル")
    KAERU = "kaeru", _("カエル")
    HIROU = "hirou", _("ヒロウ")


class Rank(models.IntegerChoices):
    LOW = 1, _("小")
    MID = 2, _("中")
    HIGH = 3, _("大")


class ProposedMeasure(BaseModel):
    """A reduction measure the expert proposes, rated by cost, effect and difficulty."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    family = models.CharField(_("視点"), max_length=10, choices=Family.choices)
    description = models.CharField(_("対策"), max_length=300)
    cost = models.PositiveSmallIntegerField(_("費用"), choices=Rank.choices)
    effect = models.PositiveSmallIntegerField(_("効果"), choices=Rank.choices)
    difficulty = models.PositiveSmallIntegerField(_("難しさ"), choices=Rank.choices)
    history = HistoricalRecords(verbose_name=_("提案した対策の変更履歴"))

    class Meta:
        verbose_name = _("提案した対策")
        verbose_name_plural = _("提案した対策")
        ordering = ["-effect", "cost", "difficulty", "pk"]

    def __str__(self) -> str:
        return f"{self.get_family_display()}：{self.description}"


class Deliverable(BaseModel):
    """A PDF handed to the company: rendered by a Celery task, downloaded by the company (and a shared institution)."""

    class Kind(models.TextChoices):
        DIAGNOSIS_REPORT = "diagnosis_report", _("診断報告書")
        SUPPORT_PLAN = "support_plan", _("支援計画書")
        FINAL_REPORT = "final_report", _("最終報告書")

    class Status(models.TextChoices):
        QUEUED = "queued", _("作成待ち")
        READY = "ready", _("作成済み")
        FAILED = "failed", _("作成に失敗")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliverables")
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    path = models.CharField(_("ファイル"), max_length=200, blank=True)
    rendered_at = models.DateTimeField(_("作成日時"), null=True, blank=True)
    error = models.TextField(_("エラー"), blank=True)

    class Meta:
        verbose_name = _("成果物")
        verbose_name_plural = _("成果物")
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="dispatch_deliverable_once")]

    def __str__(self) -> str:
        return f"#{self.case_id} {self.get_kind_display()}（{self.get_status_display()}）"
