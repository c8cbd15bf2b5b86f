"""CN consultation windows, advisors, opening rules, closures and bookings."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Company, SupportInstitution
from core.choices import EmployeeBand, Industry, RevenueBand
from core.fields import HttpsURLField
from core.jst import format_jst
from core.models import BaseModel


class WindowCode(models.TextChoices):
    HQ = "hq", _("本部（オンライン）")
    TOHOKU = "tohoku", _("東北本部")
    CHUBU = "chubu", _("中部本部")
    KINKI = "kinki", _("近畿本部")
    CHUGOKU = "chugoku", _("中国本部")
    KYUSHU = "kyushu", _("九州本部")


class Mode(models.TextChoices):
    ONLINE = "online", _("オンライン")
    IN_PERSON = "in_person", _("来所")


class MeetingTool(models.TextChoices):
    TEAMS = "teams", _("Microsoft Teams")
    ZOOM = "zoom", _("Zoom")
    IN_PERSON = "in_person", _("来所（対面）")


class Topic(models.TextChoices):
    """The five categories SMRJ uses in its consultation statistics (DOMAIN.md)."""

    CURRENT_STATE = "current_state", _("現状把握・情報収集")
    PR = "pr", _("自社取組みのPR")
    RENEWABLES = "renewables", _("再生可能エネルギー")
    SUPPLY_CHAIN = "supply_chain", _("サプライチェーン対応")
    SUBSIDY = "subsidy", _("補助金")


class Weekday(models.IntegerChoices):
    MON = 0, _("月曜日")
    TUE = 1, _("火曜日")
    WED = 2, _("水曜日")
    THU = 3, _("木曜日")
    FRI = 4, _("金曜日")
    SAT = 5, _("土曜日")
    SUN = 6, _("日曜日")


class ConsultationWindow(BaseModel):
    code = models.CharField(_("コード"), max_length=20, choices=WindowCode.choices, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    online = models.BooleanField(_("オンライン相談"), default=True)
    in_person = models.BooleanField(_("来所相談"), default=False)
    address = models.CharField(_("来所先の住所"), max_length=255, blank=True)
    description = models.TextField(_("説明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    history = HistoricalRecords(verbose_name=_("相談窓口の変更履歴"))

    class Meta:
        verbose_name = _("相談窓口")
        verbose_name_plural = _("相談窓口")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(online=True) | Q(in_person=True), name="window_has_a_mode"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def modes(self) -> list[str]:
        return [m for m, on in ((Mode.ONLINE, self.online), (Mode.IN_PERSON, self.in_person)) if on]

    @property
    def has_timetable(self) -> bool:
        """Staff gave the window opening rules. Without them it is a contact (its office and how to apply): only HQ's
        online window has a timetable in the sources (consultations.defaults)."""
        if hasattr(self, "rule_count"):
            return self.rule_count > 0
        return self.rules.exists()


class OpeningRule(BaseModel):
    """A weekly opening period of a window, cut into slots of `slot_minutes`."""

    window = models.ForeignKey(ConsultationWindow, on_delete=models.CASCADE, related_name="rules")
    weekday = models.PositiveSmallIntegerField(_("曜日"), choices=Weekday.choices)
    start = models.TimeField(_("開始"))
    end = models.TimeField(_("終了"))
    slot_minutes = models.PositiveSmallIntegerField(_("1枠の長さ（分）"), default=60)

    class Meta:
        verbose_name = _("受付時間")
        verbose_name_plural = _("受付時間")
        ordering = ["window", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="opening_rule_start_before_end"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=15), name="opening_rule_slot_min_15"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Advisor(BaseModel):
    name = models.CharField(_("氏名"), max_length=100)
    email = models.EmailField(_("メールアドレス"), blank=True)
    photo = models.ImageField(_("写真"), upload_to="advisors/", blank=True)
    expertise = models.CharField(_("専門分野"), max_length=255, blank=True)
    # The intake topics this advisor covers (Topic values): a booking without a chosen advisor goes to the free
    # advisor covering most of its topics (services.route_advisor). Kept by the consultation desk.
    topics = models.JSONField(_("対応できる相談分野"), default=list, blank=True)
    qualifications = models.CharField(_("保有資格"), max_length=255, blank=True)
    years_of_experience = models.PositiveSmallIntegerField(_("経験年数"), default=0)
    bio = models.TextField(_("紹介文"), blank=True)
    windows = models.ManyToManyField(ConsultationWindow, verbose_name=_("担当窓口"), related_name="advisors")
    is_active = models.BooleanField(_("受付中"), default=True)
    history = HistoricalRecords(verbose_name=_("専門家の変更履歴"), m2m_fields=["windows"])

    class Meta:
        verbose_name = _("専門家")
        verbose_name_plural = _("専門家")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        unknown = [t for t in self.topics or [] if t not in Topic.values]
        if unknown or not isinstance(self.topics, list):
            raise ValidationError({"topics": _("相談分野の値が正しくありません。")})

    @property
    def topic_labels(self) -> list[str]:
        return [str(label) for value, label in Topic.choices if value in (self.topics or [])]


class AdvisorAvailability(BaseModel):
    """When an advisor can take consultations each week."""

    advisor = models.ForeignKey(
        Advisor, verbose_name=_("専門家"), on_delete=models.CASCADE, related_name="availability"
    )
    weekday = models.PositiveSmallIntegerField(_("曜日"), choices=Weekday.choices)
    start = models.TimeField(_("開始"))
    end = models.TimeField(_("終了"))
    history = HistoricalRecords(verbose_name=_("対応可能時間の変更履歴"))

    class Meta:
        verbose_name = _("対応可能時間")
        verbose_name_plural = _("対応可能時間")
        ordering = ["advisor", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="availability_start_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.advisor} {self.get_weekday_display()} {self.start:%H:%M}〜{self.end:%H:%M}"


class AdvisorDayOff(BaseModel):
    advisor = models.ForeignKey(Advisor, verbose_name=_("専門家"), on_delete=models.CASCADE, related_name="days_off")
    date = models.DateField(_("日付"))
    history = HistoricalRecords(verbose_name=_("専門家の休みの変更履歴"))

    class Meta:
        verbose_name = _("専門家の休み")
        verbose_name_plural = _("専門家の休み")
        constraints = [models.UniqueConstraint(fields=["advisor", "date"], name="advisor_day_off_unique")]

    def __str__(self) -> str:
        return f"{self.advisor} {self.date:%Y-%m-%d}"


class Closure(BaseModel):
    """A day a window (or every window, when none is given) is closed, besides public holidays."""

    window = models.ForeignKey(
        ConsultationWindow,
        verbose_name=_("窓口"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
        help_text=_("空欄にするとすべての窓口が休みになります。"),
    )
    date = models.DateField(_("日付"))
    reason = models.CharField(_("理由"), max_length=100, blank=True)
    history = HistoricalRecords(verbose_name=_("休業日の変更履歴"))

    class Meta:
        verbose_name = _("休業日")
        verbose_name_plural = _("休業日")
        ordering = ["date"]

    def __str__(self) -> str:
        where = self.window.name if self.window_id else str(_("すべての窓口"))
        reason = f"（{self.reason}）" if self.reason else ""
        return f"{self.date:%Y-%m-%d} {where}{reason}"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("受付済み")
    CONFIRMED = "confirmed", _("確定")
    DONE = "done", _("実施済み")
    CANCELLED = "cancelled", _("キャンセル")
    NO_SHOW = "no_show", _("無断欠席")
    # A newcomer's booking waits for its e-mail link (consultations.services.booking_hold_create): it holds the hour
    # until `hold_expires_at`, and after that only while nobody else wants it.
    HELD = "held", _("メール確認待ち")
    EXPIRED = "expired", _("確認期限切れ")


ACTIVE_STATUSES = [BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.DONE]
# What occupies an advisor's (and a company's) hour in the database's constraints: the active bookings and holds.
HOLDING_STATUSES = [*ACTIVE_STATUSES, BookingStatus.HELD]
# Not a consultation (yet): left out of every list but the desk's.
UNCONFIRMED = [BookingStatus.HELD, BookingStatus.EXPIRED]


def sitting_in_clash_message(institution, clash: "Booking") -> str:
    return _("%(name)sは%(start)sから別の相談（予約番号%(pk)s）に同席する予定です。同席は1時間に1件までです。") % {
        "name": institution.name,
        "start": format_jst(clash.start),
        "pk": clash.pk,
    }


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class Booking(BaseModel):
    company = models.ForeignKey(Company, verbose_name=_("企業"), on_delete=models.PROTECT, related_name="bookings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申込者"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    window = models.ForeignKey(ConsultationWindow, verbose_name=_("窓口"), on_delete=models.PROTECT)
    advisor = models.ForeignKey(Advisor, verbose_name=_("専門家"), on_delete=models.PROTECT, related_name="bookings")
    advisor_chosen = models.BooleanField(_("専門家を指名"), default=False)
    # Why the portal chose this advisor (services.route_advisor): the topics matched, the advisor's bookings that
    # month, how many were free; "overridden" once the desk gave the booking to another advisor.
    routing = models.JSONField(_("担当決定の理由"), default=dict, blank=True, editable=False)
    start = models.DateTimeField(_("開始"), db_index=True)
    end = models.DateTimeField(_("終了"))
    mode = models.CharField(_("相談方法"), max_length=20, choices=Mode.choices)
    status = models.CharField(_("状態"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.REQUESTED)
    topics = models.JSONField(_("相談したいこと"), default=list)
    question = models.TextField(_("ご相談内容"))
    customer_request = models.TextField(_("取引先から求められていること"), blank=True)
    meeting_tool = models.CharField(_("希望する会議ツール"), max_length=20, choices=MeetingTool.choices)
    sitting_in = models.ForeignKey(
        SupportInstitution,
        verbose_name=_("同席する支援機関"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )
    meeting_url = HttpsURLField(_("会議URL"), blank=True)
    private_record = models.TextField(_("相談記録（職員のみ）"), blank=True)
    token = models.CharField(_("変更用トークン"), max_length=64, default=_new_token, editable=False)
    sequence = models.PositiveIntegerField(_("変更回数"), default=0)
    cancelled_at = models.DateTimeField(_("キャンセル日時"), null=True, blank=True)
    hold_expires_at = models.DateTimeField(_("仮押さえの期限"), null=True, blank=True)
    # The company as it was when it booked: statistics count these, so a later profile edit rewrites no history.
    company_industry = models.CharField(_("予約時の業種"), max_length=20, choices=Industry.choices, editable=False)
    company_revenue_band = models.CharField(
        _("予約時の売上高"), max_length=20, choices=RevenueBand.choices, editable=False
    )
    company_employee_band = models.CharField(
        _("予約時の従業員数"), max_length=20, choices=EmployeeBand.choices, editable=False
    )
    # Never the change/cancel token: it is a secret that works as a key to the booking.
    history = HistoricalRecords(verbose_name=_("相談予約の変更履歴"), excluded_fields=["token"])

    class Meta:
        verbose_name = _("相談予約")
        verbose_name_plural = _("相談予約")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(
                fields=["advisor", "start"],
                condition=Q(status__in=["requested", "confirmed", "done", "held"]),
                name="booking_advisor_slot_unique_active",
            ),
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="booking_start_before_end"),
            # One consultation an hour for an institution sitting in (on PostgreSQL an exclusion constraint over
            # the time range stands behind it, migration 0007, for windows whose slots are not on the hour).
            models.UniqueConstraint(
                fields=["sitting_in", "start"],
                condition=Q(status__in=["requested", "confirmed", "done"], sitting_in__isnull=False),
                name="booking_sitting_in_slot_unique_active",
                violation_error_message=_("この支援機関はこの時間に別の相談に同席する予定です。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False), name="booking_held_has_expiry"
            ),
        ]
        indexes = [models.Index(fields=["company", "start"], name="booking_company_start_idx")]

    def __str__(self) -> str:
        return f"{self.company} {format_jst(self.start)}"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding and not self.company_industry:
            company = self.company
            self.company_industry = company.industry
            self.company_revenue_band = company.revenue_band
            self.company_employee_band = company.employee_band
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def sitting_in_clash(self) -> "Booking | None":
        """Another active booking overlapping this one that the same institution sits in on."""
        if not self.sitting_in_id or self.status not in ACTIVE_STATUSES or not (self.start and self.end):
            return None
        return (
            Booking.objects.filter(
                sitting_in_id=self.sitting_in_id, status__in=ACTIVE_STATUSES, start__lt=self.end, end__gt=self.start
            )
            .exclude(pk=self.pk)
            .order_by("start")
            .first()
        )

    def clean(self) -> None:
        # The admin's sitting_in field: the same refusal as the services, next to the field.
        clash = self.sitting_in_clash()
        if clash is not None:
            raise ValidationError({"sitting_in": sitting_in_clash_message(self.sitting_in, clash)})

    def snapshot_labels(self) -> list[str]:
        """Industry, revenue band and employee band of the company when it booked."""
        return [
            self.get_company_industry_display(),
            self.get_company_revenue_band_display(),
            self.get_company_employee_band_display(),
        ]

    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(t, t)) for t in self.topics]
