import smtplib
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from core.mail import (
    Attachment,
    MailDeferred,
    message_id,
    outbox_deliver,
    outbox_enqueue,
    outbox_failed_digest,
    outbox_message,
    outbox_sweep,
)
from core.models import MailOutbox


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
def test_a_failing_smtp_server_keeps_the_mail_and_its_chain_for_a_retry(settings):
    row = outbox_enqueue(key="test:3:retry", to=["c@example.jp"], subject="件名", body="本文")
    settings.EMAIL_BACKEND = "tests.test_mail.BrokenSMTPBackend"
    with pytest.raises(MailDeferred) as deferred:
        outbox_deliver(pk=row.pk, token=row.lease_token)
    assert deferred.value.countdown == settings.OUTBOX_RETRY_BASE_SECONDS
    assert deferred.value.token == row.lease_token  # the retry belongs to the same chain
    row.refresh_from_db()
    assert row.state == MailOutbox.State.PENDING and row.sent_at is None and row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error and row.next_attempt_at is not None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_deliver(pk=row.pk, token=deferred.value.token) is True
    row.refresh_from_db()
    assert row.state == MailOutbox.State.SENT and row.sent_at is not None and len(mail.outbox) == 1


@pytest.mark.django_db
def test_every_delivery_of_a_row_carries_the_same_message_id():
    first = outbox_enqueue(key="test:5:a", to=["e@example.jp"], subject="件名", body="本文")
    other = outbox_enqueue(key="test:5:b", to=["e@example.jp"], subject="件名", body="本文")
    ids = {outbox_message(first).message()["Message-ID"] for _ in range(3)}
    assert len(ids) == 1 and ids != {outbox_message(other).message()["Message-ID"]}
    outbox_deliver(pk=first.pk, token=first.lease_token)
    assert mail.outbox[0].message()["Message-ID"] == ids.pop() == message_id(first)
    assert message_id(first).endswith("@cn-portal.example.jp>")


@pytest.mark.django_db
def test_a_message_of_another_chain_does_nothing_while_the_lease_holds(settings):
    row = outbox_enqueue(key="test:6:dup", to=["f@example.jp"], subject="件名", body="本文")
    settings.EMAIL_BACKEND = "tests.test_mail.BrokenSMTPBackend"
    with pytest.raises(MailDeferred):
        outbox_deliver(pk=row.pk, token=row.lease_token)
    # a second message for the row (a duplicate, or an old chain's late copy) arrives while the retry waits
    assert outbox_deliver(pk=row.pk, token="0123456789abcdef") is False
    row.refresh_from_db()
    assert row.attempts == 1 and row.state == MailOutbox.State.PENDING


@pytest.mark.django_db
def test_the_sweep_queues_again_only_rows_whose_lease_expired(settings):
    rows = [outbox_enqueue(key=f"test:7:{i}", to=["g@example.jp"], subject="件名", body="本文") for i in range(3)]
    sent = outbox_enqueue(key="test:7:sent", to=["g@example.jp"], subject="件名", body="本文")
    outbox_deliver(pk=sent.pk, token=sent.lease_token)
    assert outbox_sweep() == 0  # each row's first message still has its lease
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.OUTBOX_QUEUE_LEASE_SECONDS + 1)):
        assert outbox_sweep() == 3
        assert outbox_sweep() == 0  # the sweep's own new leases hold: one chain per row
        tokens = dict(MailOutbox.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "lease_token"))
    assert all(tokens[r.pk] != r.lease_token for r in rows)
    assert outbox_deliver(pk=rows[0].pk, token=rows[0].lease_token) is False  # the first chain lost its row
    assert outbox_deliver(pk=rows[0].pk, token=tokens[rows[0].pk]) is True


@pytest.mark.django_db
def test_retries_back_off_for_three_days_then_the_row_is_failed(settings):
    settings.EMAIL_BACKEND = "tests.test_mail.BrokenSMTPBackend"
    start = timezone.now()
    row = outbox_enqueue(key="test:8:window", to=["h@example.jp"], subject="件名", body="本文")
    token, now, countdowns = row.lease_token, start, []
    while True:
        with time_machine.travel(now, tick=False):
            try:
                outbox_deliver(pk=row.pk, token=token)
                break
            except MailDeferred as deferred:
                countdowns.append(deferred.countdown)
                token = deferred.token
                now += timedelta(seconds=deferred.countdown)
    row.refresh_from_db()
    hours = (now - start).total_seconds() / 3600
    print(f"\nback-off: {len(countdowns) + 1} attempts over {hours:.1f} h, first waits {countdowns[:8]} s, then 3600 s")
    assert countdowns[:7] == [60, 120, 240, 480, 960, 1920, 3600] and max(countdowns) == 3600
    assert hours >= 72 and row.state == MailOutbox.State.FAILED and row.failed_at is not None
    assert row.attempts == len(countdowns) + 1 and "SMTPServerDisconnected" in row.last_error


@pytest.mark.django_db
def test_a_mail_that_cannot_be_built_is_failed_and_shown_to_the_desk(admin_client, settings):
    # a row written before subjects were folded to one line: BadHeaderError when the mail is built
    row = MailOutbox.objects.create(
        key="test:9:header", to=["i@example.jp"], subject="ご予約 株式会社A\r\nBcc: x@example.jp", body="本文"
    )
    assert outbox_deliver(pk=row.pk) is False
    row.refresh_from_db()
    assert row.state == MailOutbox.State.FAILED and "BadHeaderError" in row.last_error and not mail.outbox

    listing = admin_client.get("/admin/core/mailoutbox/?state__exact=failed").content.decode()
    assert "test:9:header" in listing and "送信失敗" in listing

    digest = outbox_failed_digest()
    assert digest is not None and outbox_failed_digest() is None  # once a day
    assert digest.to == [settings.DESK_EMAIL] and "1件" in digest.subject
    assert f"#{row.pk}" in digest.body and "BadHeaderError" in digest.body
    assert "/admin/core/mailoutbox/?state__exact=failed" in digest.body


@pytest.mark.django_db
def test_a_company_name_with_a_line_break_still_gets_its_mail():
    row = outbox_enqueue(key="test:10:crlf", to=["j@example.jp"], subject="ご予約 #1 株式会社A\r\n工業", body="本文")
    assert outbox_deliver(pk=row.pk) is True
    assert mail.outbox[0].subject == "ご予約 #1 株式会社A 工業"


@pytest.mark.django_db
def test_send_again_gives_a_failed_mail_a_new_window_and_sends_it(admin_client, django_capture_on_commit_callbacks):
    row = MailOutbox.objects.create(
        key="test:11:again",
        to=["k@example.jp"],
        subject="件名",
        body="本文",
        state=MailOutbox.State.FAILED,
        attempts=80,
        failed_at=timezone.now(),
    )
    kept = outbox_enqueue(key="test:11:pending", to=["k@example.jp"], subject="件名", body="本文")
    with mock.patch("core.queue.enqueue") as queued, django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/core/mailoutbox/",
            {"action": "send_again", "_selected_action": [row.pk, kept.pk]},
            follow=True,
        )
    assert "1件のメールを再送します" in response.content.decode()
    row.refresh_from_db()
    assert row.state == MailOutbox.State.PENDING and row.attempts == 0 and row.failed_at is None
    assert row.give_up_at > timezone.now() + timedelta(hours=71)
    assert [c.args[1:] for c in queued.call_args_list] == [(row.pk, row.lease_token)]
    assert outbox_deliver(pk=row.pk, token=row.lease_token) is True


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


def test_celery_bounds_every_task_and_keeps_the_message_of_a_killed_worker(settings):
    from config.celery import app
    from core.tasks import outbox_send
    from selfcheck.tasks import render_sheet_pdf

    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert outbox_send.acks_late and outbox_send.reject_on_worker_lost and outbox_send.max_retries is None
    assert settings.EMAIL_TIMEOUT < outbox_send.soft_time_limit < outbox_send.time_limit
    assert outbox_send.time_limit < settings.OUTBOX_SEND_LEASE_SECONDS  # a lease outlives the longest send
    longest_countdown = max(settings.OUTBOX_RETRY_MAX_SECONDS, render_sheet_pdf.retry_backoff_max)
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > longest_countdown + app.conf.task_time_limit
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"core.tasks.outbox_sweep", "core.tasks.outbox_failed_digest"} <= beat
    assert {"selfcheck.tasks.sheets_pdf_requeue_stale", "dispatch.tasks.sweep_deliverables"} <= beat


@pytest.mark.django_db
def test_a_mail_whose_message_could_not_be_queued_is_due_for_the_next_sweep_at_once(
    settings, django_capture_on_commit_callbacks
):
    """Redis down when the mail is queued: the row does not wait out its queue lease (it did, 10 minutes)."""
    with (
        mock.patch("core.queue.enqueue", return_value=False) as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        row = outbox_enqueue(key="test:12:down", to=["l@example.jp"], subject="件名", body="本文")
    assert queued.call_count == 1
    row.refresh_from_db()
    assert row.state == MailOutbox.State.PENDING and row.lease_until <= timezone.now()
    with mock.patch("core.queue.enqueue", return_value=True) as requeued:
        assert outbox_sweep() == 1  # the first sweep after Redis is back, without waiting for any lease
    row.refresh_from_db()
    assert [c.args[1:] for c in requeued.call_args_list] == [(row.pk, row.lease_token)]


@pytest.mark.django_db
def test_a_sweep_that_loses_the_broker_half_way_leaves_the_rest_due(settings):
    rows = [outbox_enqueue(key=f"test:13:{i}", to=["m@example.jp"], subject="件名", body="本文") for i in range(3)]
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.OUTBOX_QUEUE_LEASE_SECONDS + 1)):
        with mock.patch("core.queue.enqueue", side_effect=[True, False]):
            assert outbox_sweep() == 1
        leases = sorted(MailOutbox.objects.filter(pk__in=[r.pk for r in rows]).values_list("lease_until", flat=True))
        assert leases[0] <= timezone.now() and leases[1] <= timezone.now()  # the two not queued wait for no lease
        assert leases[2] > timezone.now()  # the one queued holds its new lease
        with mock.patch("core.queue.enqueue", return_value=True):
            assert outbox_sweep() == 2


def test_the_sweep_runs_every_minute_and_a_queued_message_waits_at_most_two_minutes(settings):
    from celery.schedules import crontab

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "core.tasks.outbox_sweep")
    assert entry["schedule"] == crontab(minute="*")
    assert settings.OUTBOX_QUEUE_LEASE_SECONDS <= 120


def _desk_member(group: str):
    from django.contrib.auth.models import Group

    from accounts.services import staff_groups_sync
    from accounts.tests.factories import StaffUserFactory

    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("group", ["相談デスク", "セミナーデスク"])
def test_the_desks_see_queued_and_failed_mails_and_send_a_failed_one_again_with_an_audit_row(
    client, group, django_capture_on_commit_callbacks
):
    from core.models import MailResend

    failed = MailOutbox.objects.create(
        key="test:14:failed",
        to=["n@example.jp"],
        subject="失敗した件名",
        body="本文",
        state=MailOutbox.State.FAILED,
        attempts=78,
        failed_at=timezone.now(),
        last_error="SMTPServerDisconnected: down",
    )
    queued = outbox_enqueue(key="test:14:queued", to=["n@example.jp"], subject="待っている件名", body="本文")
    desk = _desk_member(group)
    client.force_login(desk)
    listing = client.get("/admin/core/mailoutbox/").content.decode()
    assert "失敗した件名" in listing and "待っている件名" in listing
    assert "test:14:queued" in client.get("/admin/core/mailoutbox/?state__exact=pending").content.decode()
    detail = client.get(f"/admin/core/mailoutbox/{failed.pk}/change/").content.decode()
    assert "SMTPServerDisconnected" in detail and 'name="_save"' not in detail  # read-only for the desk

    with mock.patch("core.queue.enqueue") as published, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/core/mailoutbox/",
            {"action": "send_again", "_selected_action": [failed.pk, queued.pk]},
            follow=True,
        )
    page = response.content.decode()
    assert "1件のメールを再送します" in page and "送信失敗ではないメール1件は対象外です" in page
    failed.refresh_from_db()
    assert failed.state == MailOutbox.State.PENDING and failed.attempts == 0
    assert [c.args[1:] for c in published.call_args_list] == [(failed.pk, failed.lease_token)]
    resend = MailResend.objects.get()
    assert resend.outbox == failed and resend.resent_by == desk
    record = resend.history.get()
    assert record.history_user == desk and record.history_type == "+"
    assert "test:14:failed" in client.get("/admin/core/mailresend/").content.decode()
    assert outbox_deliver(pk=failed.pk, token=failed.lease_token) is True


@pytest.mark.django_db
def test_other_desk_groups_neither_see_nor_resend_mail(client):
    failed = MailOutbox.objects.create(
        key="test:15:failed", to=["o@example.jp"], subject="件名", body="本文", state="failed", failed_at=timezone.now()
    )
    client.force_login(_desk_member("カタログ編集者"))
    assert client.get("/admin/core/mailoutbox/").status_code == 403
    response = client.post("/admin/core/mailoutbox/", {"action": "send_again", "_selected_action": [failed.pk]})
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.state == MailOutbox.State.FAILED
