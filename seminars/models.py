from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import Prefecture
from core.fields import HttpsURLField
from core.jst import format_jst
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


def default_close_hours() -> int:
    return getattr(settings, "SEMINAR_REGISTRATION_CLOSE_HOURS", 24)


class Seminar(BaseModel):
    title = models.CharField(_("タイトル"), max_length=200)
    summary = models.TextField(_("概要"), blank=True)
    format = models.CharField(_("形式"), max_length=20, choices=SeminarFormat.choices)
    starts_at = models.DateTimeField(_("開始日時"), db_index=True)
    ends_at = models.DateTimeField(_("終了日時"))
    venue = models.CharField(_("会場"), max_length=200, blank=True)
    prefecture = models.CharField(_("開催地（都道府県）"), max_length=20, choices=Prefecture.choices, blank=True)
    streaming_url = HttpsURLField(_("配信URL"), blank=True, help_text=_("申し込んだ参加者にだけ表示します。"))
    capacity = models.PositiveIntegerField(_("定員"), null=True, blank=True, help_text=_("空欄は定員なし。"))
    registration_close_hours = models.PositiveIntegerField(_("申込締切（開始の何時間前）"), default=default_close_hours)
    for_sme = models.BooleanField(Audience.SME.label, default=True)
    for_institution = models.BooleanField(Audience.INSTITUTION.label, default=False)
    for_financial = models.BooleanField(Audience.FINANCIAL.label, default=False)
    for_consultant = models.BooleanField(Audience.CONSULTANT.label, default=False)
    accepts_registration = models.BooleanField(_("ポータルで申込を受け付ける"), default=True)
    is_published = models.BooleanField(_("公開"), default=True)
    final_headcount = models.PositiveIntegerField(_("最終参加者数"), null=True, blank=True)
    headcount_note = models.CharField(_("参加者数の注記"), max_length=100, blank=True)
    materials_announced_at = models.DateTimeField(_("資料公開のお知らせ日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("セミナー")
        verbose_name_plural = _("セミナー")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="seminar_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{format_jst(self.starts_at, '%Y/%m/%d')}）"

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
        return self.starts_at - timezone.timedelta(hours=self.registration_close_hours)

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def is_open_for_registration(self) -> bool:
        return self.accepts_registration and timezone.now() < self.registration_closes_at

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
    seminar = models.ForeignKey(Seminar, on_delete=models.PROTECT, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seminar_registrations")
    status = models.CharField(_("状態"), max_length=20, choices=RegistrationStatus.choices, db_index=True)
    organisation = models.CharField(_("所属（企業・機関）"), max_length=200, blank=True)
    waitlisted_at = models.DateTimeField(_("キャンセル待ち登録日時"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("キャンセル日時"), null=True, blank=True)
    attended = models.BooleanField(_("出席"), null=True, blank=True)

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
        ]

    def __str__(self) -> str:
        return f"{self.seminar_id}: {self.user} ({self.get_status_display()})"
