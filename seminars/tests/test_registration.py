import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory, SupportInstitutionFactory
from core.choices import InstitutionType
from core.errors import ApplicationError
from core.locking import LockTimeout
from core.mail import outbox_deliver
from core.models import MailOutbox
from seminars import services
from seminars.models import Registration, RegistrationStatus, Seminar
from seminars.tests.factories import SeminarFactory


def deliver_all() -> None:
    for pk in MailOutbox.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
        outbox_deliver(pk=pk)


@pytest.mark.django_db
def test_registration_takes_a_seat_and_mails_a_confirmation_with_ics(sme_user):
    seminar = SeminarFactory()
    registration = services.registration_create(seminar_id=seminar.pk, user=sme_user)
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.organisation == sme_user.company.name
    deliver_all()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "お申し込みを受け付けました" in message.subject
    assert "/seminars/r/" in message.body and "/cancel/" in message.body
    assert message.attachments[0][0] == "seminar.ics"
    assert "BEGIN:VEVENT" in str(message.attachments[0][1])


@pytest.mark.django_db
def test_a_full_seminar_waitlists_and_a_cancellation_promotes_in_order():
    seminar = SeminarFactory(capacity=1)
    first, second, third = SmeUserFactory(), SmeUserFactory(), SmeUserFactory()
    taken = services.registration_create(seminar_id=seminar.pk, user=first)
    waiting_1 = services.registration_create(seminar_id=seminar.pk, user=second)
    waiting_2 = services.registration_create(seminar_id=seminar.pk, user=third)
    assert [waiting_1.status, waiting_2.status] == [RegistrationStatus.WAITLISTED] * 2
    deliver_all()
    waitlist_mail = next(m for m in mail.outbox if m.to == [second.email])
    assert "キャンセル待ち" in waitlist_mail.subject and "/leave/" in waitlist_mail.body

    services.registration_cancel(registration=taken)
    waiting_1.refresh_from_db()
    waiting_2.refresh_from_db()
    assert waiting_1.status == RegistrationStatus.REGISTERED
    assert waiting_2.status == RegistrationStatus.WAITLISTED
    deliver_all()
    promoted = [m for m in mail.outbox if m.to == [second.email] and "確定" in m.subject]
    assert len(promoted) == 1 and promoted[0].attachments


@pytest.mark.django_db
def test_leaving_the_waitlist_does_not_promote_anyone():
    seminar = SeminarFactory(capacity=1)
    services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    waiting = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    later = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    services.registration_cancel(registration=waiting)
    later.refresh_from_db()
    assert later.status == RegistrationStatus.WAITLISTED
    assert seminar.registrations.filter(status=RegistrationStatus.REGISTERED).count() == 1


@pytest.mark.django_db
def test_registering_twice_is_refused_and_changes_nothing(sme_user):
    seminar = SeminarFactory()
    services.registration_create(seminar_id=seminar.pk, user=sme_user)
    with pytest.raises(ApplicationError, match="すでに申し込んでいます"):
        services.registration_create(seminar_id=seminar.pk, user=sme_user)
    assert Registration.objects.count() == 1


@pytest.mark.django_db
def test_past_and_closed_seminars_refuse_registration(sme_user):
    past = SeminarFactory(starts_at=timezone.now() - timedelta(days=2))
    closing = SeminarFactory(starts_at=timezone.now() + timedelta(hours=3), registration_close_hours=24)
    for seminar in (past, closing):
        with pytest.raises(ApplicationError, match="申込受付は終了"):
            services.registration_create(seminar_id=seminar.pk, user=sme_user)
    assert Registration.objects.count() == 0


@pytest.mark.django_db
def test_a_seminar_for_institutions_refuses_smes_and_takes_bank_staff_when_open_to_them(sme_user):
    seminar = SeminarFactory(for_sme=False, for_institution=True)
    with pytest.raises(ApplicationError, match="対象は「支援機関」"):
        services.registration_create(seminar_id=seminar.pk, user=sme_user)
    chamber_staff = InstitutionUserFactory()
    assert services.registration_create(seminar_id=seminar.pk, user=chamber_staff).pk
    banker = InstitutionUserFactory(institution=SupportInstitutionFactory(kind=InstitutionType.BANK))
    with pytest.raises(ApplicationError):
        services.registration_create(seminar_id=seminar.pk, user=banker)
    seminar.for_financial = True
    seminar.save()
    assert services.registration_create(seminar_id=seminar.pk, user=banker).pk


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_registrations_for_the_last_five_seats_give_five_registered_and_25_waitlisted():
    seminar = SeminarFactory(capacity=10)
    for _ in range(5):
        services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    users = [SmeUserFactory() for _ in range(30)]
    barrier = threading.Barrier(30)
    # At most 15 connections at once: another test run may share the PostgreSQL server (max_connections 100).
    gate = threading.Semaphore(15)
    errors: list[Exception] = []

    def attempt(user):
        barrier.wait()
        with gate:
            try:
                services.registration_create(seminar_id=seminar.pk, user=user)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    fresh = Registration.objects.filter(user__in=users)
    assert fresh.filter(status=RegistrationStatus.REGISTERED).count() == 5
    assert fresh.filter(status=RegistrationStatus.WAITLISTED).count() == 25
    assert seminar.registrations.filter(status=RegistrationStatus.REGISTERED).count() == 10


@pytest.mark.django_db(transaction=True)
def test_a_seminar_lock_held_too_long_ends_in_a_try_again_message_like_a_booking(settings, sme_user):
    settings.LOCK_TIMEOUT_SECONDS = 0.3
    seminar = SeminarFactory(capacity=10)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(Seminar.objects.select_for_update().filter(pk=seminar.pk))
            holding.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    try:
        with pytest.raises(LockTimeout) as exc:
            services.registration_create(seminar_id=seminar.pk, user=sme_user)
    finally:
        release.set()
        holder.join()
    assert "少し待ってからもう一度お試しください" in exc.value.message
    assert not Registration.objects.exists() and not MailOutbox.objects.exists()


@pytest.mark.django_db
def test_reminders_go_once_each_and_never_after_cancellation():
    soon = SeminarFactory(starts_at=timezone.now() + timedelta(minutes=50))
    tomorrow = SeminarFactory(starts_at=timezone.now() + timedelta(hours=20), format="onsite")
    later = SeminarFactory(starts_at=timezone.now() + timedelta(days=3))
    a, b, c, d = (SmeUserFactory() for _ in range(4))
    # Registration closes before the start, so register while it was still open.
    for seminar in (soon, tomorrow):
        seminar.registration_close_hours = 0
        seminar.save()
    reg_a = services.registration_create(seminar_id=soon.pk, user=a)
    services.registration_create(seminar_id=tomorrow.pk, user=b)
    services.registration_create(seminar_id=later.pk, user=c)
    cancelled = services.registration_create(seminar_id=tomorrow.pk, user=d)
    services.registration_cancel(registration=cancelled)
    MailOutbox.objects.all().delete()

    first = services.reminders_send()
    second = services.reminders_send()
    assert (first, second) == (3, 0)
    keys = set(MailOutbox.objects.values_list("key", flat=True))
    assert keys == {
        f"seminars.registration:{reg_a.pk}:reminder-day",
        f"seminars.registration:{reg_a.pk}:reminder-hour",
        f"seminars.registration:{Registration.objects.get(user=b).pk}:reminder-day",
    }
    deliver_all()
    hour_mail = next(m for m in mail.outbox if "まもなく" in m.subject)
    assert "https://example.jp/live/secret-room" in hour_mail.body and "/cancel/" in hour_mail.body
    assert all(m.to != [d.email] for m in mail.outbox)


@pytest.mark.django_db
def test_materials_mail_goes_once_to_registered_people(sme_user):
    from django.core.files.base import ContentFile

    seminar = SeminarFactory()
    services.registration_create(seminar_id=seminar.pk, user=sme_user)
    seminar.materials.create(title="講演資料", file=ContentFile(b"%PDF-1.4", name="slides.pdf"))
    MailOutbox.objects.all().delete()
    assert services.seminar_announce_materials(seminar=seminar) == 1
    assert services.seminar_announce_materials(seminar=seminar) == 0
    assert MailOutbox.objects.filter(key__endswith=":materials").count() == 1


@pytest.mark.django_db
def test_initial_data_holds_the_23_past_seminars():
    from seminars.models import Seminar

    past = Seminar.objects.filter(accepts_registration=False, held_on__year__lte=2023)
    assert past.count() == 23
    first = past.order_by("held_on").first()
    assert first.final_headcount == 600 and first.cohosts.get().name == "関東経済産業局"
    assert past.filter(format="video").count() == 1 and past.filter(format="training").count() == 2


@pytest.mark.django_db
def test_a_failing_mail_server_loses_no_registration(settings, sme_user, django_capture_on_commit_callbacks):
    from core.tasks import outbox_send

    settings.EMAIL_BACKEND = "tests.test_mail.BrokenSMTPBackend"
    seminar = SeminarFactory()
    registration = services.registration_create(seminar_id=seminar.pk, user=sme_user)
    row = MailOutbox.objects.get(key=f"seminars.registration:{registration.pk}:confirmation")
    outbox_send.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts >= 1
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.REGISTERED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox_send.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.sent_at is not None and len(mail.outbox) == 1
