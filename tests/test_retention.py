"""The retention periods the privacy notice states are enforced by a daily beat task (core.retention)."""

import base64
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.mail import REDACTED, outbox_redact
from core.models import MailOutbox
from core.retention import EXPIRED, retention_enforce

pytestmark = pytest.mark.django_db


def _mail(key: str, *, days_ago: int, state=MailOutbox.State.SENT) -> MailOutbox:
    when = timezone.now() - timedelta(days=days_ago)
    return MailOutbox.objects.create(
        key=key,
        to=["midori@example.jp"],
        subject="緑川精機株式会社さまのご予約",
        body="緑川 花子 様\nご相談内容：乾燥炉の重油",
        attachments=[{"filename": "a.ics", "mimetype": "text/calendar", "content": base64.b64encode(b"x").decode()}],
        state=state,
        sent_at=when if state == MailOutbox.State.SENT else None,
        failed_at=when if state == MailOutbox.State.FAILED else None,
    )


def test_sent_mail_bodies_go_after_the_stated_days_and_addresses_after_a_year():
    fresh = _mail("fresh", days_ago=settings.MAIL_BODY_RETENTION_DAYS - 1)
    old = _mail("old", days_ago=settings.MAIL_BODY_RETENTION_DAYS + 1)
    failed = _mail("failed", days_ago=settings.MAIL_BODY_RETENTION_DAYS + 1, state=MailOutbox.State.FAILED)
    ancient = _mail("ancient", days_ago=settings.MAIL_RECORD_RETENTION_DAYS + 1)
    pending = _mail("pending", days_ago=400, state=MailOutbox.State.PENDING)
    assert retention_enforce() == {"mail_bodies": 3, "mail_addresses": 1, "sessions": 0}
    for row in (old, failed, ancient):
        row.refresh_from_db()
        assert (row.subject, row.body, row.attachments) == (EXPIRED, "", [])
    assert old.to == ["midori@example.jp"] and ancient.to == []
    for row in (fresh, pending):  # not yet due, or not sent yet
        row.refresh_from_db()
        assert "緑川" in row.body and row.attachments
    assert retention_enforce() == {"mail_bodies": 0, "mail_addresses": 0, "sessions": 0}  # once is enough


def test_expired_sessions_are_deleted():
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert retention_enforce()["sessions"] == 1 and not Session.objects.filter(pk=store.session_key).exists()


def test_the_beat_schedule_runs_the_retention_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["retention-enforce"]
    assert entry["task"] == "core.tasks.retention_enforce"
    from core.tasks import retention_enforce as task

    assert task.name == "core.tasks.retention_enforce"


def test_redaction_cuts_copies_out_of_subjects_bodies_and_folded_calendar_attachments():
    ics = "BEGIN:VEVENT\r\nSUMMARY:CN相談（緑川精\r\n 機株式会社）\r\nEND:VEVENT\r\n".encode()
    row = MailOutbox.objects.create(
        key="desk",
        to=["desk@example.jp"],
        subject="新しい予約：緑川精機株式会社",
        body="会社：緑川精機株式会社\n相談：乾燥炉の重油を減らしたい\n",
        attachments=[{"filename": "c.ics", "mimetype": "text/calendar", "content": base64.b64encode(ics).decode()}],
    )
    other = MailOutbox.objects.create(key="other", to=["desk@example.jp"], subject="青葉商事", body="青葉商事の予約")
    assert outbox_redact(texts=["緑川精機株式会社", "乾燥炉の重油を減らしたい", "緑", ""]) == 1
    row.refresh_from_db()
    assert row.subject == f"新しい予約：{REDACTED}" and "緑川" not in row.body and row.attachments == []
    other.refresh_from_db()
    assert other.body == "青葉商事の予約"
