"""E-mail through an outbox: one row per (object, kind) under a unique key, delivered at least once.

The row is claimed (state ``sending`` and a lease) and committed before the SMTP conversation, which runs outside any
transaction and under EMAIL_TIMEOUT; the row is stamped ``sent`` afterwards. A worker that dies between the server's
acceptance and the stamp sends the mail again after its lease expires, with the same Message-ID (derived from the
row), so the receiving side sees one message. A failing server is retried with exponential back-off until the row's
window (OUTBOX_RETRY_WINDOW_HOURS) closes; then the row is ``failed``, listed in the admin and in the desk's digest.
"""

import base64
import hashlib
import logging
import operator
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from functools import partial, reduce
from smtplib import SMTPRecipientsRefused

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.site import absolute_url

from . import queue
from .jst import format_jst, jst_date
from .models import MailOutbox, MailResend

OUTBOX_SEND = "core.tasks.outbox_send"  # core/tasks.py calls this module: named, not imported

logger = logging.getLogger(__name__)

State = MailOutbox.State


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


class MailDeferred(Exception):
    """The SMTP send failed; the row waits for its next attempt in ``countdown`` seconds under the same token."""

    def __init__(self, *, countdown: int, token: str, error: Exception) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.countdown = countdown
        self.token = token
        self.error = error


def _token() -> str:
    return secrets.token_hex(8)


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=getattr(settings, name))


def _retry_window() -> timedelta:
    return timedelta(hours=settings.OUTBOX_RETRY_WINDOW_HOURS)


def retry_countdown(attempts: int) -> int:
    """Seconds before the next attempt after ``attempts`` failed ones: 1 min, 2 min, 4 min ... at most 1 h."""
    base, cap = settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS
    return int(min(cap, base * 2 ** max(0, min(attempts - 1, 30))))


def _one_line(text: str) -> str:
    # A header cannot hold a line break (a company name pasted with one would make the mail unbuildable),
    # nor control characters.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", str(text))
    return re.sub(r"\s*[\r\n\u2028\u2029\x85]+\s*", " ", text).strip()


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
    now = timezone.now()
    with transaction.atomic():
        row, created = MailOutbox.objects.get_or_create(
            key=key,
            defaults={
                "to": recipients,
                "subject": _one_line(subject)[:255],
                "body": body,
                "attachments": [
                    {
                        "filename": a.filename,
                        "mimetype": a.mimetype,
                        "content": base64.b64encode(a.content).decode("ascii"),
                    }
                    for a in attachments
                ],
                "state": State.PENDING,
                "lease_token": _token(),
                "lease_until": now + _seconds("OUTBOX_QUEUE_LEASE_SECONDS"),
                "give_up_at": now + _retry_window(),
            },
        )
    if not created:
        return None
    transaction.on_commit(partial(outbox_publish, pk=row.pk, token=row.lease_token))
    return row


def outbox_publish(*, pk: int, token: str) -> bool:
    """Queue the send of one row under its lease token; when the broker cannot be reached, make the row due at once,
    so that the first sweep after Redis is back queues it (instead of waiting out the queue lease)."""
    if queue.enqueue(OUTBOX_SEND, pk, token):
        return True
    _make_due(pks=[pk], tokens=[token])
    return False


def _make_due(*, pks: list[int], tokens: list[str]) -> None:
    # Only while the row still carries the token of the message that was never queued: a row taken over since keeps
    # its own lease.
    now = timezone.now()
    for pk, token in zip(pks, tokens, strict=True):
        MailOutbox.objects.filter(pk=pk, lease_token=token, state=State.PENDING).update(lease_until=now, updated_at=now)


def message_id(row: MailOutbox) -> str:
    """The same Message-ID for every delivery of one row, so that a resend after a crash is one message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    digest = hashlib.sha256(row.key.encode("utf-8")).hexdigest()[:16]
    return f"<outbox.{row.pk}.{digest}@{domain or 'localhost'}>"


def outbox_message(row: MailOutbox) -> EmailMessage:
    """The e-mail of one row, fully built (a header that cannot be encoded raises here, not half-way through SMTP)."""
    message = EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=row.to,
        headers={"Message-ID": message_id(row)},
    )
    for item in row.attachments:
        message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    message.message()
    return message


def outbox_claim(*, pk: int, token: str | None) -> MailOutbox | None:
    """Take the row for one send: only the holder of its lease token may, or anyone once the lease has expired.

    A message without a token (a manual run) may take a row that is waiting, not one being sent.
    """
    now = timezone.now()
    with transaction.atomic():
        row = MailOutbox.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.state in (State.SENT, State.FAILED):
            return None
        expired = row.lease_until is None or row.lease_until <= now
        holder = token is not None and token == row.lease_token
        manual = token is None and row.state == State.PENDING
        if not (expired or holder or manual):
            return None
        row.state = State.SENDING
        row.lease_token = token or _token()
        row.lease_until = now + _seconds("OUTBOX_SEND_LEASE_SECONDS")
        row.attempts += 1
        row.save(update_fields=["state", "lease_token", "lease_until", "attempts", "updated_at"])
    return row


def _permanent(error: Exception) -> bool:
    if isinstance(error, SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    return False


def _mark_failed(row: MailOutbox, error: Exception | str) -> None:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    MailOutbox.objects.filter(pk=row.pk).exclude(state=State.SENT).update(
        state=State.FAILED,
        failed_at=timezone.now(),
        last_error=text[:2000],
        lease_until=None,
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    logger.error("mail %s (%s) failed for good: %s", row.pk, row.key, text)


def outbox_deliver(*, pk: int, token: str | None = None) -> bool:
    """Send one outbox row if this call holds it; True when it was sent now.

    Raises MailDeferred when the server failed and a retry is due; a mail that cannot be built, that every
    recipient refused for good, or whose retry window has closed is marked failed instead.
    """
    row = outbox_claim(pk=pk, token=token)
    if row is None:
        return False
    try:
        message = outbox_message(row)
    except Exception as exc:
        _mark_failed(row, exc)
        return False
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        now = timezone.now()
        if _permanent(exc) or (row.give_up_at is not None and now >= row.give_up_at):
            _mark_failed(row, exc)
            return False
        countdown = retry_countdown(row.attempts)
        next_at = now + timedelta(seconds=countdown)
        held = (
            MailOutbox.objects.filter(pk=row.pk, lease_token=row.lease_token, state=State.SENDING).update(
                state=State.PENDING,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                next_attempt_at=next_at,
                lease_until=next_at + _seconds("OUTBOX_QUEUE_LEASE_SECONDS"),
                updated_at=now,
            )
            == 1
        )
        logger.warning("mail %s not sent (attempt %s), next in %ss: %s", pk, row.attempts, countdown, exc)
        if not held:  # another chain took the row over while this send hung
            return False
        raise MailDeferred(countdown=countdown, token=row.lease_token, error=exc) from exc
    MailOutbox.objects.filter(pk=row.pk, sent_at__isnull=True).update(
        state=State.SENT,
        sent_at=timezone.now(),
        last_error="",
        lease_until=None,
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    return True


def outbox_sweep(*, limit: int = 500) -> int:
    """Queue again the rows whose lease expired (a lost message, a dead worker, Redis down at enqueue time)."""
    now = timezone.now()
    queued: list[tuple[int, str]] = []
    with transaction.atomic():
        rows = (
            MailOutbox.objects.select_for_update(skip_locked=True)
            .filter(state__in=[State.PENDING, State.SENDING], lease_until__lte=now)
            .order_by("lease_until")[:limit]
        )
        for row in rows:
            row.state = State.PENDING
            row.lease_token = _token()
            row.lease_until = now + _seconds("OUTBOX_QUEUE_LEASE_SECONDS")
            row.save(update_fields=["state", "lease_token", "lease_until", "updated_at"])
            queued.append((row.pk, row.lease_token))
        # rows written before leases existed
        for row in MailOutbox.objects.select_for_update(skip_locked=True).filter(
            state=State.PENDING, lease_until__isnull=True
        )[:limit]:
            row.lease_token = _token()
            row.lease_until = now + _seconds("OUTBOX_QUEUE_LEASE_SECONDS")
            row.give_up_at = row.give_up_at or now + _retry_window()
            row.save(update_fields=["lease_token", "lease_until", "give_up_at", "updated_at"])
            queued.append((row.pk, row.lease_token))
    sent = 0
    for index, (pk, token) in enumerate(queued):
        if not queue.enqueue(OUTBOX_SEND, pk, token):
            # the broker is down: the rows not queued stay due, and the next sweep tries again
            rest = queued[index:]
            _make_due(pks=[p for p, _t in rest], tokens=[t for _p, t in rest])
            break
        sent += 1
    return sent


def outbox_resend(*, rows: QuerySet[MailOutbox], by=None) -> int:
    """Send failed mails again (the desk's 'send again'): a new 3-day window, back-off from the start, and an audit
    row naming who asked. Rows that have not failed are left as they are; returns how many were queued."""
    now = timezone.now()
    queued: list[tuple[int, str]] = []
    with transaction.atomic():
        for row in rows.select_for_update().filter(state=State.FAILED).order_by("pk"):
            row.state = State.PENDING
            row.attempts = 0
            row.failed_at = None
            row.next_attempt_at = None
            row.lease_token = _token()
            row.lease_until = now + _seconds("OUTBOX_QUEUE_LEASE_SECONDS")
            row.give_up_at = now + _retry_window()
            row.save()
            resend = MailResend(outbox=row, resent_by=by)
            resend._history_user = by  # the audit row names the desk member, also outside a request
            resend.save()
            queued.append((row.pk, row.lease_token))
        for pk, token in queued:
            transaction.on_commit(partial(outbox_publish, pk=pk, token=token))
    return len(queued)


@dataclass(frozen=True)
class Backlog:
    waiting: int  # pending or being sent
    oldest_age_seconds: float  # of the oldest waiting row, 0 when none waits
    failed: int


def outbox_backlog() -> Backlog:
    """How much mail waits to go out and for how long (metrics, readiness): two indexed queries."""

    waiting = MailOutbox.objects.filter(state__in=[State.PENDING, State.SENDING]).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    oldest = waiting["oldest"]
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    return Backlog(
        waiting=waiting["count"],
        oldest_age_seconds=age,
        failed=MailOutbox.objects.filter(state=State.FAILED).count(),
    )


def outbox_failed_digest(*, now=None) -> MailOutbox | None:
    """Mail the desk the rows that failed in the last 24 hours (once a day); None when nothing failed."""

    now = now or timezone.now()
    recent = list(MailOutbox.objects.filter(state=State.FAILED, failed_at__gt=now - timedelta(days=1)).order_by("pk"))
    if not recent:
        return None
    total = MailOutbox.objects.filter(state=State.FAILED).count()
    admin_url = absolute_url("/admin/core/mailoutbox/?state__exact=failed")
    lines = [
        _("この24時間に、送信できなかったメールが%(count)s件あります（失敗の合計：%(total)s件）。")
        % {"count": len(recent), "total": total},
        _(
            "管理サイトの「送信メール」（相談デスク・セミナーデスクとシステム管理者が閲覧できます）で内容を確認し、"
            "「選択した送信失敗メールを再送する」を実行してください：%(url)s"
        )
        % {"url": admin_url},
        "",
    ]
    for row in recent:
        lines.append(f"#{row.pk} {format_jst(row.failed_at)} {', '.join(row.to)}")
        lines.append(f"    {row.subject}")
        lines.append(f"    {row.last_error[:200]}")
    return outbox_enqueue(
        key=f"core.outbox-failed-digest:{jst_date(now).isoformat()}",
        to=[settings.DESK_EMAIL],
        subject=_("【CN支援ポータル】送信できなかったメール %(count)s件") % {"count": len(recent)},
        body="\n".join(lines) + "\n",
    )


def outbox_forget_address(*, address: str) -> int:
    """A closed account's address leaves the outbox: it is taken off every row, and a row left with no one to reach
    loses its text (a row not yet sent is closed as failed, so it never goes). Returns how many rows changed."""

    rows = MailOutbox.objects.all()
    if connection.features.supports_json_field_contains:
        rows = rows.filter(to__contains=[address])
    changed = 0
    with transaction.atomic():
        for row in rows.select_for_update():
            if address not in row.to:
                continue
            row.to = [a for a in row.to if a != address]
            fields = ["to", "updated_at"]
            if not row.to:
                row.subject, row.body, row.attachments = "", "", []
                fields += ["subject", "body", "attachments"]
                if row.state != State.SENT:
                    row.state, row.failed_at = State.FAILED, timezone.now()
                    row.last_error = "recipient account closed"
                    row.lease_until = row.next_attempt_at = None
                    fields += ["state", "failed_at", "last_error", "lease_until", "next_attempt_at"]
            row.save(update_fields=fields)
            changed += 1
    return changed


REDACTED = "［削除済み］"
# A text shorter than this is not searched for: two characters of a name would cut words out of other people's mail.
REDACT_MIN_LENGTH = 3


def outbox_redact(*, texts: Iterable[str], replacement: str = REDACTED) -> int:
    """Cut every copy of `texts` out of the stored mails (subject and body), and drop the attachments that hold one
    (an .ics names the company): what a closed account leaves in the mails sent to others. Returns rows changed."""

    needles = sorted({t.strip() for t in texts if t and len(t.strip()) >= REDACT_MIN_LENGTH}, key=len, reverse=True)
    if not needles:
        return 0
    matches = reduce(operator.or_, (Q(subject__contains=n) | Q(body__contains=n) for n in needles))
    changed = 0
    with transaction.atomic():
        candidates = MailOutbox.objects.select_for_update().filter(matches | ~Q(attachments=[])).order_by("pk")
        for row in candidates:
            subject, body = row.subject, row.body
            for needle in needles:
                subject, body = subject.replace(needle, replacement), body.replace(needle, replacement)
            kept = [item for item in row.attachments if not _holds_any(item, needles)]
            if (subject, body, len(kept)) == (row.subject, row.body, len(row.attachments)):
                continue
            row.subject, row.body, row.attachments = subject[:255], body, kept
            row.save(update_fields=["subject", "body", "attachments", "updated_at"])
            changed += 1
    return changed


def _holds_any(item: dict, needles: list[str]) -> bool:
    try:
        content = base64.b64decode(item.get("content", "")).decode("utf-8", errors="ignore")
    except ValueError:
        return True  # unreadable: it cannot be shown to hold nothing of the person
    # An .ics folds its lines at 75 octets (a CRLF and a space): a name may be split across two lines.
    unfolded = content.replace("\r\n ", "").replace("\n ", "")
    return any(n in content or n in unfolded for n in needles)
