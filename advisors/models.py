"""Advisors as users: their account, the follow-up of a consultation they write, and what they recommend."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.jst import format_jst
from core.models import BaseModel


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class AdvisorAccount(BaseModel):
    """The login of one advisor (created by an invitation from SMRJ staff)."""

    advisor = models.OneToOneField(
        "consultations.Advisor", on_delete=models.CASCADE, related_name="account", verbose_name=_("専門家")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advisor_account", verbose_name=_("ユーザー")
    )
    calendar_token = models.CharField(
        _("カレンダー配信の鍵"), max_length=64, unique=True, default=new_calendar_token, editable=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("招待した職員"),
    )
    invited_at = models.DateTimeField(_("招待日時"), null=True, blank=True)
    activated_at = models.DateTimeField(_("パスワード設定日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("専門家のアカウント")
        verbose_name_plural = _("専門家のアカウント")
        ordering = ["advisor__name"]

    def __str__(self) -> str:
        return f"{self.advisor} <{self.user.email}>"


class FollowUp(BaseModel):
    """What the advisor tells the company to do next (the company reads it; the private record stays private)."""

    booking = models.OneToOneField(
        "consultations.Booking", on_delete=models.CASCADE, related_name="follow_up", verbose_name=_("相談予約")
    )
    next_steps = models.TextField(_("次のステップ"), blank=True, max_length=4000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("記入者")
    )

    class Meta:
        verbose_name = _("相談後の次のステップ")
        verbose_name_plural = _("相談後の次のステップ")

    def __str__(self) -> str:
        return f"#{self.booking_id}"


class RecommendationKind(models.TextChoices):
    SEMINAR = "seminar", _("セミナー")
    SUBSIDY = "subsidy", _("補助金・支援策")
    EXPERT_DISPATCH = "expert_dispatch", _("専門家派遣")


class Recommendation(BaseModel):
    """A next action an advisor recommends after a consultation; the company sees it on its page."""

    booking = models.ForeignKey(
        "consultations.Booking", on_delete=models.CASCADE, related_name="recommendations", verbose_name=_("相談予約")
    )
    kind = models.CharField(_("種類"), max_length=20, choices=RecommendationKind.choices)
    seminar = models.ForeignKey(
        "seminars.Seminar",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("セミナー"),
    )
    measure = models.ForeignKey(
        "subsidies.Measure",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("補助金・支援策"),
    )
    note = models.TextField(_("ひとこと"), blank=True, max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("記入者")
    )

    class Meta:
        verbose_name = _("専門家のおすすめ")
        verbose_name_plural = _("専門家のおすすめ")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="seminar", seminar__isnull=False, measure__isnull=True)
                | Q(kind="subsidy", measure__isnull=False, seminar__isnull=True)
                | Q(kind="expert_dispatch", seminar__isnull=True, measure__isnull=True),
                name="recommendation_target_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.booking_id} {self.get_kind_display()}"

    @property
    def title(self) -> str:
        if self.kind == RecommendationKind.SEMINAR:
            return self.seminar.title
        if self.kind == RecommendationKind.SUBSIDY:
            return self.measure.name
        return str(_("専門家派遣（ハンズオン支援・CO2削減診断など）"))


class MoveRequestStatus(models.TextChoices):
    PENDING = "pending", _("窓口の確認待ち")
    APPROVED = "approved", _("承認（予約を移動）")
    DECLINED = "declined", _("見送り")


class MoveRequest(BaseModel):
    """An advisor asks the desk to move a booking to another time; the desk approves it through the booking service
    (`consultations.services.booking_move`: the advisor's hour, day off and the institution's hour checked under
    lock), or declines it with a note. One open request per booking."""

    booking = models.ForeignKey(
        "consultations.Booking", on_delete=models.CASCADE, related_name="move_requests", verbose_name=_("相談予約")
    )
    start = models.DateTimeField(_("希望する開始日時"))
    reason = models.TextField(_("理由"), max_length=1000)
    status = models.CharField(
        _("状態"), max_length=20, choices=MoveRequestStatus.choices, default=MoveRequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("依頼した専門家"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("判断した職員"),
    )
    decided_at = models.DateTimeField(_("判断した日時"), null=True, blank=True)
    desk_note = models.TextField(_("窓口からのひとこと"), blank=True, max_length=1000)
    history = HistoricalRecords(verbose_name=_("日時変更の依頼の変更履歴"))

    class Meta:
        verbose_name = _("日時変更の依頼")
        verbose_name_plural = _("日時変更の依頼")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=Q(status="pending"), name="move_request_one_pending_per_booking"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True) | ~Q(status="pending"),
                name="move_request_pending_undecided",
            ),
        ]

    def __str__(self) -> str:
        return _("予約番号%(pk)s の日時変更（%(start)s）") % {"pk": self.booking_id, "start": format_jst(self.start)}
