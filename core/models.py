from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        abstract = True


class MailOutbox(BaseModel):
    """One row per e-mail the portal must send once: the unique key makes a second enqueue a no-op."""

    key = models.CharField(_("キー"), max_length=200, unique=True)
    to = models.JSONField(_("宛先"), default=list)
    subject = models.CharField(_("件名"), max_length=255)
    body = models.TextField(_("本文"))
    attachments = models.JSONField(_("添付"), default=list, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("試行回数"), default=0)
    last_error = models.TextField(_("直近のエラー"), blank=True)

    class Meta:
        verbose_name = _("送信メール")
        verbose_name_plural = _("送信メール")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.key} → {', '.join(self.to)}"
