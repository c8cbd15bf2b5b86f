from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import Prefecture
from core.fields import HttpsURLField
from core.jst import format_jst_date, jst_date, jst_today
from core.models import BaseModel


class SeminarFormat(models.TextChoices):
    ONLINE = "online", _("オンライン")
    HYBRID = "hybrid", _("ハイブリッド")
    ONSITE = "onsite", _("会場")
    VIDEO = "video", _("動画配信")
    TRAINING = "training", _("研修")


class Audience(models.TextChoices):
    SME = "sme", _("中小企業・小規模事業者")
    INSTITUTION = "institution", _("支援機関")
    FINANCIAL = "financial", _("金融機関")
    CONSULTANT = "consultant", _("士業・コンサルタント")


ONLINE_FORMATS = (SeminarFormat.ONLINE, SeminarFormat.HYBRID, SeminarFormat.VIDEO)


class HeadcountUnit(models.TextChoices):
    """What a recorded attendance counts: people can be added up, companies and sites cannot be added to them."""

    PEOPLE = "people", _("人")
    COMPANIES = "companies", _("社")
    OTHER = "other", _("その他（拠点・支店など）")


def default_close_hours() -> int:
    return getattr(settings, "SEMINAR_REGISTRATION_CLOSE_HOURS", 24)


class Seminar(BaseModel):
    title = models.CharField(
        _("タイトル"),
        max_length=200,
        blank=True,
        help_text=_("記録に題名がなければ空欄（一覧では日付・形式・共催で示します）。"),
    )
    summary = models.TextField(_("概要"), blank=True)
    format = models.CharField(_("形式"), max_length=20, choices=SeminarFormat.choices)
    held_on = models.DateField(
        _("開催日"), blank=True, db_index=True, help_text=_("開始日時を入れると、その日付（日本時間）になります。")
    )
    starts_at = models.DateTimeField(
        _("開始日時"), null=True, blank=True, db_index=True, help_text=_("記録に時刻がなければ空欄。")
    )
    ends_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    venue = models.CharField(_("会場"), max_length=200, blank=True)
    prefecture = models.CharField(_("開催地（都道府県）"), max_length=20, choices=Prefecture.choices, blank=True)
    streaming_url = HttpsURLField(_("配信URL"), blank=True, help_text=_("申し込んだ参加者にだけ表示します。"))
    capacity = models.PositiveIntegerField(
        _("定員"), null=True, blank=True, help_text=_("ポータルで申込を受け付けるとき、空欄は定員なし。")
    )
    registration_close_hours = models.PositiveIntegerField(_("申込締切（開始の何時間前）"), default=default_close_hours)
    for_sme = models.BooleanField(Audience.SME.label, default=True)
    for_institution = models.BooleanField(Audience.INSTITUTION.label, default=False)
    for_financial = models.BooleanField(Audience.FINANCIAL.label, default=False)
    for_consultant = models.BooleanField(Audience.CONSULTANT.label, default=False)
    accepts_registration = models.BooleanField(_("ポータルで申込を受け付ける"), default=True)
    is_published = models.BooleanField(_("公開"), default=True)
    final_headcount = models.PositiveIntegerField(_("最終参加者数"), null=True, blank=True)
    headcount_unit = models.CharField(
        _("参加者数の単位"),
        max_length=20,
        choices=HeadcountUnit.choices,
        default=HeadcountUnit.PEOPLE,
        help_text=_("人数だけを合計します。社数や拠点数は人数に足しません。"),
    )
    headcount_at_least = models.BooleanField(_("参加者数は「以上」"), default=False)
    headcount_note = models.CharField(
        _("参加者数（記録の表記どおり）"), max_length=100, blank=True, help_text=_("例: 600名以上、20社、61支店")
    )
    audience_note = models.CharField(
        _("対象者（記録の表記どおり）"), max_length=100, blank=True, help_text=_("例: よろず支援拠点、行員")
    )
    materials_announced_at = models.DateTimeField(_("資料公開のお知らせ日時"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("セミナーの変更履歴"))

    class Meta:
        verbose_name = _("セミナー")
        verbose_name_plural = _("セミナー")
        ordering = ["held_on", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="seminar_ends_after_start"),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True, ends_at__isnull=True)
                | Q(starts_at__isnull=False, ends_at__isnull=False),
                name="seminar_times_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(accepts_registration=False) | (Q(starts_at__isnull=False) & ~Q(title="")),
                name="seminar_registration_needs_times_and_title",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_title}（{format_jst_date(self.held_on, '%Y/%m/%d')}）"

    def clean(self):
        super().clean()
        if self.starts_at is None and self.held_on is None:
            raise ValidationError({"held_on": _("開催日か開始日時を入力してください。")})
        if (self.starts_at is None) != (self.ends_at is None):
            raise ValidationError({"ends_at": _("開始日時と終了日時は両方入れるか、両方空欄にしてください。")})
        if self.accepts_registration and self.starts_at is None:
            raise ValidationError({"starts_at": _("ポータルで申込を受け付けるには開始日時が必要です。")})
        if self.accepts_registration and not self.title:
            raise ValidationError({"title": _("ポータルで申込を受け付けるにはタイトルが必要です。")})

    def save(self, *args, **kwargs):
        if self.starts_at is not None:
            self.held_on = jst_date(self.starts_at)
        if kwargs.get("update_fields") is not None and "starts_at" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "held_on"}
        super().save(*args, **kwargs)

    @property
    def display_title(self) -> str:
        """The recorded title, or (when none was recorded) a label made only of recorded facts."""
        if self.title:
            return self.title
        label = str(self.get_format_display())
        cohosts = [c.name for c in self.cohosts.all()] if self.pk else []
        if cohosts:
            return _("%(cohost)sとの共催（%(format)s）") % {"cohost": "・".join(cohosts), "format": label}
        return _("%(format)s（%(day)s）") % {"format": label, "day": format_jst_date(self.held_on, "%Y年%-m月%-d日")}

    @property
    def has_times(self) -> bool:
        return self.starts_at is not None

    @property
    def headcount_text(self) -> str:
        """Attendance as the record gives it (「600名以上」「20社」「61支店」), else the number with its unit."""
        if self.headcount_note:
            return self.headcount_note
        if self.final_headcount is None:
            return ""
        unit = "社" if self.headcount_unit == HeadcountUnit.COMPANIES else "名"
        return f"{self.final_headcount:,}{unit}" + ("以上" if self.headcount_at_least else "")

    @property
    def audiences(self) -> list[str]:
        flags = {
            Audience.SME: self.for_sme,
            Audience.INSTITUTION: self.for_institution,
            Audience.FINANCIAL: self.for_financial,
            Audience.CONSULTANT: self.for_consultant,
        }
        return [audience for audience, on in flags.items() if on]

    @property
    def audience_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.audiences]

    @property
    def registration_closes_at(self):
        if self.starts_at is None:
            return None
        return self.starts_at - timezone.timedelta(hours=self.registration_close_hours)

    @property
    def is_past(self) -> bool:
        if self.ends_at is None:
            return self.held_on < jst_today()
        return self.ends_at < timezone.now()

    @property
    def is_open_for_registration(self) -> bool:
        return self.accepts_registration and self.starts_at is not None and timezone.now() < self.registration_closes_at

    @property
    def is_online(self) -> bool:
        return self.format in ONLINE_FORMATS


class CoHost(models.Model):
    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="cohosts")
    name = models.CharField(_("共催・協力団体"), max_length=200)
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("共催団体")
        verbose_name_plural = _("共催団体")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("演題"), max_length=200)
    speaker = models.CharField(_("講師"), max_length=200, blank=True)
    starts_at = models.TimeField(_("開始時刻"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("プログラム")
        verbose_name_plural = _("プログラム")
        ordering = ["order", "starts_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Material(models.Model):
    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("資料名"), max_length=200)
    file = models.FileField(_("ファイル"), upload_to="seminars/materials/")

    class Meta:
        verbose_name = _("資料")
        verbose_name_plural = _("資料")

    def __str__(self) -> str:
        return self.title


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("申込済み")
    WAITLISTED = "waitlisted", _("キャンセル待ち")
    CANCELLED = "cancelled", _("キャンセル")


class Registration(BaseModel):
    seminar = models.ForeignKey(
        Seminar, verbose_name=_("セミナー"), on_delete=models.PROTECT, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申込者"),
        on_delete=models.CASCADE,
        related_name="seminar_registrations",
    )
    status = models.CharField(_("状態"), max_length=20, choices=RegistrationStatus.choices, db_index=True)
    organisation = models.CharField(_("所属（企業・機関）"), max_length=200, blank=True)
    waitlisted_at = models.DateTimeField(_("キャンセル待ち登録日時"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("キャンセル日時"), null=True, blank=True)
    attended = models.BooleanField(_("出席"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("受付日時"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受付担当"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(verbose_name=_("申込の変更履歴"))

    class Meta:
        verbose_name = _("申込")
        verbose_name_plural = _("申込")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["seminar", "user"],
                condition=~Q(status="cancelled"),
                name="one_active_registration_per_person",
            ),
            # Checked in at the door means attended, and only a confirmed seat is checked in.
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | (Q(attended=True) & Q(status="registered")),
                name="checked_in_means_attended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seminar_id}: {self.user} ({self.get_status_display()})"
