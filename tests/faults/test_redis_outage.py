"""Redis down: committed writes answer success, log-in keeps working, and the queued work arrives afterwards."""

import time

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import PASSWORD, SmeUserFactory
from consultations.models import Booking
from consultations.tests.conftest import NOW, make_advisor
from core.mail import outbox_sweep
from core.models import MailOutbox
from selfcheck import services as selfcheck_services
from selfcheck.models import Sheet
from seminars.models import Registration
from seminars.tests.factories import SeminarFactory

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_booking_registration_and_sheet_save_succeed_while_redis_is_down_and_mails_and_pdf_follow(
    client, own_broker, smtp_sink, thread_worker, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.OUTBOX_QUEUE_LEASE_SECONDS = 1
    settings.SELFCHECK_PDF_LEASE_SECONDS = 1
    user = SmeUserFactory()
    client.force_login(user)
    seminar = SeminarFactory()
    sheet = selfcheck_services.sheet_create(fiscal_year=2026, company=user.company)

    own_broker.stop()  # Redis is down from here on
    started = time.monotonic()
    with time_machine.travel(NOW, tick=True):
        make_advisor()
        start = "2026-04-23T10:00:00+09:00"
        booked = client.post(
            f"/consultations/w/hq/book/?mode=online&start={start.replace('+', '%2B')}",
            {
                "start": start,
                "mode": "online",
                "topics": ["supply_chain"],
                "question": "取引先からCO2排出量の報告を求められました",
                "customer_request": "",
                "meeting_tool": "zoom",
                "advisor": "",
                "sitting_in": "",
                "step": "confirm",
            },
        )
    registered = client.post(reverse("seminars:register", args=[seminar.pk]))
    saved = client.post(reverse("selfcheck:step1", args=[sheet.pk]), {"electricity_kwh": "50000"})
    elapsed = time.monotonic() - started

    booking = Booking.objects.get()
    assert booked.status_code == 302 and booked["Location"] == f"/consultations/bookings/{booking.pk}/"
    assert registered.status_code == 302 and Registration.objects.filter(seminar=seminar, user=user).exists()
    assert saved.status_code == 302 and saved["Location"] == reverse("selfcheck:step2", args=[sheet.pk])
    assert "お申し込みを受け付けました" in client.get(registered["Location"]).content.decode()
    mails = MailOutbox.objects.count()
    assert mails == 3  # booking: SME + desk/advisor; seminar: confirmation
    assert Sheet.objects.get(pk=sheet.pk).pdf_status == Sheet.PdfStatus.QUEUED

    own_broker.start()  # Redis is back; the beat jobs find what was never queued
    time.sleep(1.1)  # the one-second leases of this test expire
    thread_worker()
    assert outbox_sweep() == mails
    assert selfcheck_services.sheets_pdf_requeue_stale() == 1
    wait_for(lambda: len(smtp_sink.messages) >= mails, timeout=30, what="mails at the sink")
    wait_for(lambda: Sheet.objects.get(pk=sheet.pk).pdf_status == Sheet.PdfStatus.READY, timeout=60, what="the PDF")
    subjects = sorted(str(m["Subject"]) for m in smtp_sink.messages)
    print(
        f"\nredis outage: 3 writes answered 302 in {elapsed:.2f}s; after Redis returned: "
        f"mails sent {len(smtp_sink.messages)}/{mails}, PDFs ready 1/1, duplicates by Message-ID "
        f"{smtp_sink.duplicates()}"
    )
    assert len(smtp_sink.messages) == mails and smtp_sink.duplicates() == 0
    assert MailOutbox.objects.filter(state=MailOutbox.State.SENT).count() == mails
    assert len(subjects) == mails


@pytest.mark.django_db
def test_log_in_works_while_redis_is_down_and_failed_log_ins_are_still_limited(client, own_redis, settings):
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = own_redis.url
    settings.CACHES = caches
    user = SmeUserFactory(email="login@example.jp")
    other = SmeUserFactory(email="other@example.jp")
    own_redis.stop()

    answers = [client.post("/accounts/login/", {"login": user.email, "password": "wrong-password-1"}) for _ in range(6)]
    refused_right = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    refused_session = "_auth_user_id" in client.session
    good = client.post("/accounts/login/", {"login": other.email, "password": PASSWORD})
    statuses = [answer.status_code for answer in answers]
    print(f"\nredis down: 6 failed log-ins answered {statuses}; another user's log-in answered {good.status_code}")
    assert statuses == [200] * 6  # the form with its error, never a 500
    assert "ログイン失敗が連続しています" not in answers[4].content.decode()
    assert "ログイン失敗が連続しています" in answers[5].content.decode()  # the limit holds without Redis
    assert refused_right.status_code == 200 and not refused_session
    assert good.status_code == 302 and client.session["_auth_user_id"] == str(other.pk)


@pytest.mark.django_db
def test_cached_pages_and_slots_go_uncached_rather_than_trust_a_per_process_version_during_an_outage(
    own_redis, settings, client
):
    from core import cache

    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = own_redis.url
    settings.CACHES = caches
    assert cache.versions("faults") is not None
    assert client.get("/seminars/").has_header("ETag")
    own_redis.stop()
    # a version from the fallback memory would let a stale cached page outlive a booking made during the outage
    assert cache.versions("faults") is None
    assert cache.cached("faults-value", ("faults",), lambda: "computed") == "computed"
    response = client.get("/seminars/")
    assert response.status_code == 200 and not response.has_header("ETag")  # computed, and no 304 promised


@pytest.mark.django_db
def test_a_bump_that_could_not_reach_redis_is_sent_once_it_can_and_its_data_is_never_served_from_the_old_version(
    own_redis, settings
):
    """Redis keeps its data but takes no writes (as behind a link that fails while this process writes): the
    change's bump is lost, and every process would keep serving what it cached under the version from before."""
    import redis

    from core import cache

    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = own_redis.url
    settings.CACHES = caches
    server = redis.Redis.from_url(own_redis.url)
    before, _other = cache.versions("faults", "other")

    server.config_set("min-replicas-to-write", 1)  # every write is refused (NOREPLICAS); reads still answer
    cache.bump("faults")
    assert cache.versions("faults") is None  # this process knows Redis holds a stale version: it computes uncached
    assert cache.versions("faults", "other") is None
    assert cache.versions("other") is not None  # what it did not change stays cached

    server.config_set("min-replicas-to-write", 0)  # writes are taken again
    (after,) = cache.versions("faults")  # the read sends the bump first
    assert after == before + 1
    key = cache.caches["default"].make_and_validate_key(cache.VERSION_KEY + "faults")
    assert int(server.get(key)) == after  # what the other processes read
