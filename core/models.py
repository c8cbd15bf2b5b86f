from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        abstract = True


class MailOutbox(BaseModel):
    """One row per e-mail the portal must send: the unique key makes a second enqueue a no-op.

    The row is the record of the mail; Celery messages only nudge it. A message may act on the row only while it
    holds the row's lease (its token), or once the lease has expired, so each row has one retry chain at a time.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENDING = "sending", _("送信中")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("送信失敗")

    key = models.CharField(_("キー"), max_length=200, unique=True)
    to = models.JSONField(_("宛先"), default=list)
    subject = models.CharField(_("件名"), max_length=255)
    body = models.TextField(_("本文"))
    attachments = models.JSONField(_("添付"), default=list, blank=True)
    state = models.CharField(_("状態"), max_length=10, choices=State.choices, default=State.PENDING)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("試行回数"), default=0)
    last_error = models.TextField(_("直近のエラー"), blank=True)
    lease_token = models.CharField(_("処理中のトークン"), max_length=32, blank=True)
    lease_until = models.DateTimeField(_("処理の期限"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("次回の送信"), null=True, blank=True)
    give_up_at = models.DateTimeField(_("再送の期限"), null=True, blank=True)
    failed_at = models.DateTimeField(_("失敗と判定した日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("送信メール")
        verbose_name_plural = _("送信メール")
        ordering = ["-created_at"]
        # The desks see the outbox and send a failed mail again; nobody edits or deletes a row by hand.
        permissions = [("resend_mailoutbox", _("送信失敗メールを再送できる"))]
        indexes = [
            models.Index(fields=["sent_at", "created_at"], name="outbox_pending_idx"),
            models.Index(fields=["state", "lease_until"], name="outbox_sweep_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | (~Q(state="sent") & Q(sent_at__isnull=True)),
                name="outbox_sent_state_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {', '.join(self.to)}"


class MailResend(BaseModel):
    """A desk member sent a failed mail again (core.mail.outbox_resend): the audit trail names who and when."""

    outbox = models.ForeignKey(
        MailOutbox, verbose_name=_("送信メール"), on_delete=models.CASCADE, related_name="resends"
    )
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("再送した職員"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("送信メールの再送")
        verbose_name_plural = _("送信メールの再送")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.outbox_id} {self.outbox.subject}"
