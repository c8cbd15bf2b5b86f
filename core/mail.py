"""Exactly-once e-mail: an outbox row per (object, kind), sent by a Celery task that owns its retries."""

import base64
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import MailOutbox

logger = logging.getLogger(__name__)


def one_line(text: str) -> str:
    """A mail header value on one line: a line break from a company name must not end the header (or stop the
    mail with BadHeaderError), control characters are dropped."""
    return " ".join(CONTROL_OR_BREAK.sub(" ", str(text)).split())


CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def outbox_enqueue(
    *,
    key: str,
    to: Iterable[str],
    subject: str,
    body: str,
    attachments: Iterable[Attachment] = (),
) -> MailOutbox | None:
    """Record an e-mail under a unique key and send it after commit; returns None if the key was used."""
    recipients = [address for address in to if address]
    if not recipients:
        return None
    with transaction.atomic():
        row, created = MailOutbox.objects.get_or_create(
            key=key,
            defaults={
                "to": recipients,
                "subject": one_line(subject)[:255],
                "body": body,
                "attachments": [
                    {
                        "filename": a.filename,
                        "mimetype": a.mimetype,
                        "content": base64.b64encode(a.content).decode("ascii"),
                    }
                    for a in attachments
                ],
            },
        )
    if not created:
        return None
    from .tasks import outbox_send

    transaction.on_commit(lambda: outbox_send.delay(row.pk))
    return row


def outbox_deliver(*, pk: int) -> bool:
    """Send one outbox row unless it was sent already; returns True when this call sent it."""
    try:
        with transaction.atomic():
            row = MailOutbox.objects.select_for_update().get(pk=pk)
            if row.sent_at is not None:
                return False
            message = EmailMessage(
                subject=row.subject,
                body=row.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=row.to,
            )
            for item in row.attachments:
                message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
            message.send(fail_silently=False)
            row.sent_at = timezone.now()
            row.attempts += 1
            row.last_error = ""
            row.save(update_fields=["sent_at", "attempts", "last_error", "updated_at"])
            return True
    except Exception as exc:
        MailOutbox.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.warning("mail %s not sent yet: %s", pk, exc)
        raise
