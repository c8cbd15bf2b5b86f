"""SMTP down or hung: mail waits, one retry chain per row, and every mail goes out once when the server is back."""

import threading
import time

import pytest
from django.db import connection, transaction

from core.mail import MailDeferred, message_id, outbox_deliver, outbox_enqueue, outbox_sweep
from core.models import MailOutbox

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_smtp_outage_with_sweeps_running_loses_and_doubles_no_mail(smtp_sink, thread_worker, fast_outbox):
    smtp_sink.stop()
    thread_worker()
    rows = [
        outbox_enqueue(key=f"faults:smtp:{i}", to=[f"to{i}@example.jp"], subject="件名", body="本文") for i in range(10)
    ]
    # The outage lasts several back-off periods; the beat sweep runs twice a second all along.
    outage_end = time.monotonic() + 5
    sweeps = queued = 0
    while time.monotonic() < outage_end:
        queued += outbox_sweep()
        sweeps += 1
        time.sleep(0.5)
    during = MailOutbox.objects.filter(pk__in=[r.pk for r in rows])
    assert not during.filter(state__in=[MailOutbox.State.SENT, MailOutbox.State.FAILED]).exists()
    attempts_during = sorted(during.values_list("attempts", flat=True))
    smtp_sink.start()
    wait_for(lambda: len(smtp_sink.messages) >= 10, timeout=30, what="10 mails at the sink")
    time.sleep(1)  # any second chain would deliver a copy now
    states = set(MailOutbox.objects.values_list("state", flat=True))
    print(
        f"\nsmtp outage 5 s with {sweeps} sweeps ({queued} re-queued): attempts per row during the outage "
        f"{attempts_during[0]}..{attempts_during[-1]}; mails sent {len(smtp_sink.messages)}/10, "
        f"duplicates by Message-ID {smtp_sink.duplicates()}, failed 0"
    )
    assert states == {MailOutbox.State.SENT}
    assert len(smtp_sink.messages) == 10 and smtp_sink.duplicates() == 0
    assert sorted(smtp_sink.message_ids()) == sorted(message_id(r) for r in rows)
    # back-off of 1 s then 2 s within 5 s allows 4 attempts each; a chain per sweep would add one per sweep (10)
    assert attempts_during[-1] <= 5


def test_a_hung_smtp_server_times_out_without_holding_a_database_lock(smtp_sink, fast_outbox):
    smtp_sink.hang.set()
    row = outbox_enqueue(key="faults:smtp:hung", to=["hung@example.jp"], subject="件名", body="本文")
    outcome: dict = {}

    def send() -> None:
        started = time.monotonic()
        try:
            outbox_deliver(pk=row.pk, token=row.lease_token)
        except MailDeferred as deferred:
            outcome["error"] = deferred.error
        outcome["seconds"] = time.monotonic() - started
        connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    wait_for(lambda: MailOutbox.objects.get(pk=row.pk).state == MailOutbox.State.SENDING, timeout=5, what="the claim")
    with transaction.atomic():  # the row is not locked while the SMTP server keeps us waiting
        MailOutbox.objects.select_for_update(nowait=True).get(pk=row.pk)
    sender.join(timeout=30)
    row.refresh_from_db()
    print(f"\nhung smtp server: send gave up after {outcome['seconds']:.1f}s (EMAIL_TIMEOUT 2 s), row {row.state}")
    assert isinstance(outcome["error"], TimeoutError | OSError)
    assert outcome["seconds"] < 2 * fast_outbox.EMAIL_TIMEOUT + 1
    assert row.state == MailOutbox.State.PENDING and row.attempts == 1 and row.next_attempt_at is not None
