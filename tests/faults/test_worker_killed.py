"""`kill -9` of the Celery worker (a subprocess, killed by its PID): no mail and no PDF is left behind."""

import time

import pytest
import redis

from accounts.tests.factories import SmeUserFactory
from core.mail import message_id, outbox_enqueue, outbox_sweep
from core.models import MailOutbox
from selfcheck import services as selfcheck_services
from selfcheck.models import Sheet

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

FAST_OUTBOX = {
    "OUTBOX_RETRY_BASE_SECONDS": 2,
    "OUTBOX_RETRY_MAX_SECONDS": 2,
    "OUTBOX_QUEUE_LEASE_SECONDS": 2,
    "OUTBOX_SEND_LEASE_SECONDS": 3,
    "EMAIL_TIMEOUT": 2,
}


def test_a_worker_killed_after_the_server_took_the_mail_resends_it_with_the_same_message_id(
    smtp_sink, worker_process, thread_worker, settings
):
    for name, value in FAST_OUTBOX.items():
        setattr(settings, name, value)
    smtp_sink.hold_reply.set()  # the server keeps the mail but the worker never hears "250"
    worker = worker_process(**FAST_OUTBOX)
    row = outbox_enqueue(key="faults:kill:send", to=["kill@example.jp"], subject="件名", body="本文")
    wait_for(lambda: smtp_sink.messages, timeout=60, what="the mail at the sink")
    worker.kill()
    smtp_sink.reply_released.set()
    smtp_sink.hold_reply.clear()
    assert MailOutbox.objects.get(pk=row.pk).state == MailOutbox.State.SENDING

    thread_worker()
    killed_at = time.monotonic()
    wait_for(lambda: outbox_sweep(), timeout=10, interval=0.2, what="the send lease to expire")
    wait_for(lambda: MailOutbox.objects.get(pk=row.pk).state == MailOutbox.State.SENT, timeout=30, what="the resend")
    ids = smtp_sink.message_ids()
    print(
        f"\nworker killed mid-send: copies at the sink {len(ids)}, distinct Message-IDs {len(set(ids))}, "
        f"sent again {time.monotonic() - killed_at:.1f}s after the kill (send lease 3 s)"
    )
    assert ids == [message_id(row)] * 2  # at least once; the receiving side sees one message


def test_a_worker_killed_while_retries_wait_leaves_no_mail_unsent(smtp_sink, worker_process, thread_worker, settings):
    for name, value in FAST_OUTBOX.items():
        setattr(settings, name, value)
    smtp_sink.stop()
    worker = worker_process(**FAST_OUTBOX)
    rows = [
        outbox_enqueue(key=f"faults:kill:wait:{i}", to=[f"w{i}@example.jp"], subject="件名", body="本文")
        for i in range(5)
    ]
    wait_for(
        lambda: all(attempts >= 1 for attempts in MailOutbox.objects.values_list("attempts", flat=True)),
        timeout=60,
        what="a first failed attempt of each mail",
    )
    # The worker has taken every retry off the queue and holds it, unacknowledged, until its countdown ends.
    broker = redis.Redis.from_url(worker_process.redis_url)
    wait_for(
        lambda: broker.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0 and broker.hlen("unacked") >= 5,
        timeout=30,
        what="the worker to hold the 5 retries",
    )
    held = broker.hlen("unacked")
    worker.kill()  # the retries die with it; Redis would hand them out again only after the visibility timeout
    smtp_sink.start()
    thread_worker()
    killed_at = time.monotonic()
    queued = 0
    while MailOutbox.objects.exclude(state=MailOutbox.State.SENT).exists() and time.monotonic() < killed_at + 30:
        queued += outbox_sweep()
        time.sleep(0.5)
    ids = smtp_sink.message_ids()
    print(
        f"\nworker killed holding {held} retries: {queued} re-queued by the sweep, mails sent {len(ids)}/5 "
        f"{time.monotonic() - killed_at:.1f}s after the kill, duplicates by Message-ID {len(ids) - len(set(ids))}"
    )
    assert sorted(ids) == sorted(message_id(r) for r in rows)


def test_a_worker_killed_mid_render_leaves_a_ready_pdf(worker_process, thread_worker, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SELFCHECK_PDF_LEASE_SECONDS = 2
    worker = worker_process(SELFCHECK_PDF_LEASE_SECONDS=2, PRIVATE_MEDIA_ROOT=str(tmp_path / "private"))
    user = SmeUserFactory()
    sheet = selfcheck_services.sheet_create(fiscal_year=2026, company=user.company)
    selfcheck_services.sheet_save_step1(sheet=sheet, data={"electricity_kwh": 50_000})
    wait_for(
        lambda: Sheet.objects.get(pk=sheet.pk).pdf_status == Sheet.PdfStatus.RENDERING,
        timeout=60,
        interval=0.01,
        what="the render to start",
    )
    worker.kill()
    killed_at = time.monotonic()
    assert Sheet.objects.get(pk=sheet.pk).pdf_status == Sheet.PdfStatus.RENDERING

    thread_worker()
    wait_for(
        lambda: selfcheck_services.sheets_pdf_requeue_stale(), timeout=10, interval=0.2, what="the lease to expire"
    )
    wait_for(lambda: Sheet.objects.get(pk=sheet.pk).pdf_status == Sheet.PdfStatus.READY, timeout=60, what="the PDF")
    sheet.refresh_from_db()
    print(
        f"\nworker killed mid-render: PDFs ready 1/1, {time.monotonic() - killed_at:.1f}s after the kill "
        f"(lease 2 s here), render attempts {sheet.pdf_attempts}"
    )
    assert (settings.PRIVATE_MEDIA_ROOT / "selfcheck" / sheet.pdf_path).read_bytes().startswith(b"%PDF")
