"""Push-type support: institutions invite their member companies; a company is a member until it leaves."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


INVITE_DAYS = 14  # an invitation link works this many days after it was (last) sent


def invitation_expires_at(invitation: "MemberInvitation") -> dt.datetime:
    return invitation.sent_at + dt.timedelta(days=INVITE_DAYS)


class MemberInvitation(BaseModel):
    """One invitation mail to one address; the signed link in it works once, for 14 days after the last send."""

    institution = models.ForeignKey(
        "accounts.SupportInstitution",
        on_delete=models.CASCADE,
        related_name="member_invitations",
        verbose_name=_("支援機関"),
    )
    email = models.EmailField(_("メールアドレス"))
    company_name = models.CharField(_("会社名"), max_length=200)
    contact_name = models.CharField(_("担当者名"), max_length=100, blank=True)
    nonce = models.CharField(max_length=64, default=new_nonce, editable=False)
    sent_at = models.DateTimeField(_("送信日時"))
    send_count = models.PositiveSmallIntegerField(_("送信回数"), default=1)
    accepted_at = models.DateTimeField(_("参加日時"), null=True, blank=True)
    accepted_company = models.ForeignKey(
        "accounts.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("参加した企業"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("招待した職員")
    )

    class Meta:
        verbose_name = _("会員企業への招待")
        verbose_name_plural = _("会員企業への招待")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "email"],
                condition=Q(accepted_at__isnull=True),
                name="one_open_invitation_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} → {self.email}"


class Membership(BaseModel):
    """A company's membership of an institution; leaving stamps `left_at` and ends what it shared with it."""

    institution = models.ForeignKey(
        "accounts.SupportInstitution", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("支援機関")
    )
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("企業")
    )
    invitation = models.ForeignKey(
        MemberInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("招待")
    )
    left_at = models.DateTimeField(_("退会日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("会員企業")
        verbose_name_plural = _("会員企業")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "company"], condition=Q(left_at__isnull=True), name="one_active_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} ∈ {self.institution}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("企業の確認待ち")
    CONFIRMED = "confirmed", _("企業が予約（同席予定）")
    DECLINED = "declined", _("企業が辞退")
    ENDED = "ended", _("企業が退会")


class ConsultationRequest(BaseModel):
    """An institution asks a member company to hold a CN consultation with it sitting in; the company decides."""

    institution = models.ForeignKey(
        "accounts.SupportInstitution",
        on_delete=models.CASCADE,
        related_name="consultation_requests",
        verbose_name=_("支援機関"),
    )
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="consultation_requests", verbose_name=_("企業")
    )
    message = models.TextField(_("企業へのメッセージ"), max_length=2000)
    window = models.ForeignKey(
        "consultations.ConsultationWindow",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("相談窓口"),
    )
    # A slot the institution chose (the company may take another), or only the times that suit it, or both.
    start = models.DateTimeField(_("提案した日時"), null=True, blank=True)
    preferred = models.CharField(_("都合のよい日時"), max_length=200, blank=True)
    topics = models.JSONField(_("相談したいこと"), default=list, blank=True)
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    booking = models.ForeignKey(
        "consultations.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("相談予約"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("依頼した職員")
    )

    class Meta:
        verbose_name = _("相談の依頼")
        verbose_name_plural = _("相談の依頼")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.institution} → {self.company}"
