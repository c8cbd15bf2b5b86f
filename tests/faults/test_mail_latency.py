"""Mail written while Redis is down leaves within two minutes of Redis coming back (it took 11–12 minutes when such a
row waited out its 10-minute queue lease). Production leases here: nothing is shortened."""

import time

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.mail import outbox_enqueue, outbox_sweep
from core.models import MailOutbox

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

BEAT_INTERVAL_SECONDS = 60  # core.tasks.outbox_sweep runs every minute (tests/test_mail.py checks the schedule)


def test_mail_queued_while_redis_is_down_leaves_within_two_minutes_of_its_return(own_broker, smtp_sink, worker_process):
    assert settings.OUTBOX_QUEUE_LEASE_SECONDS == 120  # the production lease, not a test's seconds
    worker = worker_process()  # a worker that lives through the outage, as in production
    wait_for(lambda: "ready" in worker.output(), timeout=60, what="the worker to consume")

    own_broker.stop()  # Redis is down from here on
    for i in range(5):
        with transaction.atomic():  # each write commits, as a booking's request does, and its enqueue fails
            outbox_enqueue(key=f"faults:latency:{i}", to=[f"late{i}@example.jp"], subject="件名", body="本文")
    rows = MailOutbox.objects.filter(key__startswith="faults:latency:")
    assert rows.count() == 5 and not rows.filter(lease_until__gt=timezone.now()).exists()  # due, not leased
    time.sleep(3)  # the outage goes on for a while; the worker keeps trying to reconnect

    own_broker.start()
    back_at = timezone.now()
    sweeps = 0

    def all_sent() -> bool:
        nonlocal sweeps
        if rows.filter(state=MailOutbox.State.SENT).count() == 5:
            return True
        outbox_sweep()  # what beat runs every minute; here at once and then every second until the mail is out
        sweeps += 1
        return False

    wait_for(all_sent, timeout=BEAT_INTERVAL_SECONDS, interval=1, what="the mail written during the outage")
    latency = (rows.aggregate(last=Max("sent_at"))["last"] - back_at).total_seconds()
    print(
        f"\nredis outage: 5 mails written while down; after Redis returned: sent 5/5, the last {latency:.1f}s after "
        f"Redis was back (sweeping at once, {sweeps} sweeps), duplicates by Message-ID {smtp_sink.duplicates()}; "
        f"worst case with beat's sweep a minute away: {latency + BEAT_INTERVAL_SECONDS:.1f}s"
    )
    assert len(smtp_sink.messages) == 5 and smtp_sink.duplicates() == 0
    assert latency + BEAT_INTERVAL_SECONDS < 120
