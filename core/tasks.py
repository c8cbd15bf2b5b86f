from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from .mail import outbox_deliver
from .models import MailOutbox

MAX_ATTEMPTS = 12


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=MAX_ATTEMPTS,
    acks_late=True,
)
def outbox_send(pk: int) -> bool:
    return outbox_deliver(pk=pk)


@shared_task
def outbox_sweep() -> int:
    """Re-queue mail that is still unsent after ten minutes (a lost broker message or a long SMTP outage)."""
    cutoff = timezone.now() - timedelta(minutes=10)
    pending = MailOutbox.objects.filter(sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS)
    pks = list(pending.values_list("pk", flat=True)[:500])
    for pk in pks:
        outbox_send.delay(pk)
    return len(pks)
