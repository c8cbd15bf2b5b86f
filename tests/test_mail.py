import smtplib
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.core import mail

from core.mail import Attachment, outbox_deliver, outbox_enqueue
from core.models import MailOutbox
from core.tasks import outbox_send


@pytest.mark.django_db
def test_the_same_key_is_enqueued_and_sent_only_once():
    first = outbox_enqueue(key="test:1:hello", to=["a@example.jp"], subject="件名", body="本文です。")
    second = outbox_enqueue(key="test:1:hello", to=["a@example.jp"], subject="件名", body="本文です。")
    assert first is not None and second is None
    assert outbox_deliver(pk=first.pk) is True
    assert outbox_deliver(pk=first.pk) is False
    assert len(mail.outbox) == 1
    assert MailOutbox.objects.get().sent_at is not None


@pytest.mark.django_db
def test_mail_has_a_japanese_text_body_correct_headers_and_attachment():
    row = outbox_enqueue(
        key="test:2:ics",
        to=["b@example.jp"],
        subject="ご予約を受け付けました",
        body="ご予約ありがとうございます。",
        attachments=[Attachment("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")],
    )
    outbox_deliver(pk=row.pk)
    raw = mail.outbox[0].message().as_bytes()
    parsed = message_from_bytes(raw)
    assert str(make_header(decode_header(parsed["Subject"]))) == "ご予約を受け付けました"
    assert "CN支援ポータル" in str(make_header(decode_header(parsed["From"])))
    assert parsed["Message-ID"] and parsed["Date"]
    text, attachment = parsed.get_payload()
    assert text.get_content_type() == "text/plain" and text.get_content_charset() == "utf-8"
    assert text.get_payload(decode=True).decode("utf-8") == "ご予約ありがとうございます。"
    assert attachment.get_filename() == "invite.ics"


class BrokenSMTPBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


@pytest.mark.django_db
def test_a_failing_smtp_server_keeps_the_mail_for_a_retry(settings):
    row = outbox_enqueue(key="test:3:retry", to=["c@example.jp"], subject="件名", body="本文")
    settings.EMAIL_BACKEND = "tests.test_mail.BrokenSMTPBackend"
    result = outbox_send.apply(args=[row.pk])
    assert isinstance(result.result, smtplib.SMTPException) or result.state in ("RETRY", "FAILURE")
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts >= 1 and "SMTPServerDisconnected" in row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_send.apply(args=[row.pk]).result is True
    row.refresh_from_db()
    assert row.sent_at is not None and len(mail.outbox) == 1


def test_a_live_worker_on_the_real_broker_sends_enqueued_mail(live_celery_worker, django_capture_on_commit_callbacks):
    import time

    with django_capture_on_commit_callbacks(execute=True):
        row = outbox_enqueue(key="test:4:worker", to=["d@example.jp"], subject="件名", body="本文")
    for _ in range(100):
        row.refresh_from_db()
        if row.sent_at:
            break
        time.sleep(0.1)
    assert row.sent_at is not None
    assert [m.to for m in mail.outbox] == [["d@example.jp"]]
