"""The retention periods the privacy notice states (templates/core/privacy.html), enforced by a daily beat task.

- Sent and failed mails: subject, body and attachments after MAIL_BODY_RETENTION_DAYS; the recipients' addresses
  after MAIL_RECORD_RETENTION_DAYS. The row itself stays (without any text), because its unique key is what keeps a
  mail from being sent twice.
- Sessions: deleted once expired (SESSION_COOKIE_AGE after the last request).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone

from .models import MailOutbox

EXPIRED = "［保存期間経過のため削除］"


def retention_enforce(*, now=None) -> dict[str, int]:
    """Blank what has outlived its period; running it again changes nothing. Returns how many rows each step hit."""
    now = now or timezone.now()

    def done_before(days: int) -> Q:
        cutoff = now - timedelta(days=days)
        return Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, failed_at__lt=cutoff)

    finished = MailOutbox.objects.filter(state__in=[MailOutbox.State.SENT, MailOutbox.State.FAILED])
    bodies = (
        finished.filter(done_before(settings.MAIL_BODY_RETENTION_DAYS))
        .exclude(body="", attachments=[], subject=EXPIRED)
        .update(subject=EXPIRED, body="", attachments=[], updated_at=now)
    )
    addresses = (
        finished.filter(done_before(settings.MAIL_RECORD_RETENTION_DAYS)).exclude(to=[]).update(to=[], updated_at=now)
    )
    sessions = Session.objects.filter(expire_date__lt=now).delete()[0]
    return {"mail_bodies": bodies, "mail_addresses": addresses, "sessions": sessions}
