"""One way for a company to share its self-check results: with an institution, a booking's advisor or a customer."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel

ADVISOR_SHARE_DAYS = 30  # an advisor's access ends this many days after the consultation


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class ShareKind(models.TextChoices):
    INSTITUTION = "institution", _("支援機関")
    ADVISOR = "advisor", _("相談の担当専門家")
    CUSTOMER = "customer", _("取引先（閲覧用リンク）")


class Share(BaseModel):
    """A company's explicit, revocable consent to show its self-check results (one fiscal year or all) to a grantee.

    The grantee is exactly one of: a support institution, the advisor of one booking (whoever the desk assigns,
    until 30 days after the consultation), or a customer who reads a signed link until it expires.
    """

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="shares", verbose_name=_("企業")
    )
    kind = models.CharField(_("共有先の種類"), max_length=20, choices=ShareKind.choices)
    institution = models.ForeignKey(
        "accounts.SupportInstitution",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="received_shares",
        verbose_name=_("支援機関"),
    )
    booking = models.ForeignKey(
        "consultations.Booking",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shares",
        verbose_name=_("相談予約"),
    )
    recipient = models.CharField(_("共有先（取引先名）"), max_length=200, blank=True)
    fiscal_year = models.PositiveIntegerField(
        _("年度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("空欄はすべての年度"),
    )
    nonce = models.CharField(_("リンクの鍵"), max_length=64, default=new_nonce, editable=False)
    expires_at = models.DateTimeField(_("有効期限"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("取り消し日時"), null=True, blank=True)
    revoke_reason = models.CharField(_("取り消しの理由"), max_length=100, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("同意した人")
    )

    class Meta:
        verbose_name = _("セルフチェックの共有")
        verbose_name_plural = _("セルフチェックの共有")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="institution", institution__isnull=False, booking__isnull=True, recipient="")
                    | Q(kind="advisor", booking__isnull=False, institution__isnull=True, fiscal_year__isnull=True)
                    | (
                        Q(kind="customer", institution__isnull=True, booking__isnull=True, expires_at__isnull=False)
                        & ~Q(recipient="")
                    )
                ),
                name="share_has_exactly_its_grantee",
            ),
            models.UniqueConstraint(
                fields=["company", "institution", "fiscal_year"],
                condition=Q(kind="institution", revoked_at__isnull=True),
                nulls_distinct=False,
                name="share_one_active_per_institution_year",
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(kind="advisor", revoked_at__isnull=True),
                name="share_one_active_per_booking",
            ),
        ]
        indexes = [models.Index(fields=["institution", "revoked_at"], name="share_institution_idx")]

    def __str__(self) -> str:
        return f"{self.company} → {self.grantee_label}"

    @property
    def grantee_label(self) -> str:
        if self.kind == ShareKind.INSTITUTION:
            return self.institution.name
        if self.kind == ShareKind.ADVISOR:
            return str(_("相談の担当専門家（予約番号 %(pk)s）") % {"pk": self.booking_id})
        return self.recipient

    @property
    def years_label(self) -> str:
        if self.fiscal_year is None:
            return str(_("すべての年度"))
        return str(_("%(y)s年度") % {"y": self.fiscal_year})


class AccessAction(models.TextChoices):
    LIST = "list", _("一覧で閲覧")
    VIEW = "view", _("結果を閲覧")
    PDF = "pdf", _("PDFをダウンロード")
    CSV = "csv", _("CSVに書き出し")


class ShareAccess(models.Model):
    """One look at shared results: who, when, what. The company reads these rows on its sharing page."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="accesses", verbose_name=_("共有"))
    at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("閲覧した人"),
    )
    action = models.CharField(_("内容"), max_length=10, choices=AccessAction.choices)
    fiscal_year = models.PositiveIntegerField(_("年度"), null=True, blank=True)

    class Meta:
        verbose_name = _("共有データの閲覧記録")
        verbose_name_plural = _("共有データの閲覧記録")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.share} {self.get_action_display()}"
