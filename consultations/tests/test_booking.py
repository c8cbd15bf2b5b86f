import datetime as dt
from smtplib import SMTPException
from unittest import mock

import pytest
import time_machine
from django.db import IntegrityError
from django.http import Http404

from accounts.tests.factories import SmeUserFactory, SupportInstitutionFactory
from consultations.models import Booking, BookingStatus, ConsultationWindow
from consultations.services import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    booking_set_status,
    reminders_send,
    window_slots,
)
from consultations.tests.conftest import at, give_timetable, intake, make_advisor
from core.errors import ApplicationError
from core.mail import MailDeferred, outbox_deliver
from core.models import MailOutbox

pytestmark = pytest.mark.django_db


def test_booking_is_stored_in_jst_with_an_advisor(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 14), **intake())
    booking.refresh_from_db()
    assert booking.start == at(2026, 4, 23, 14)
    assert booking.end == at(2026, 4, 23, 15)
    assert booking.advisor == advisor
    assert booking.status == BookingStatus.REQUESTED
    assert booking.company == sme_user.company


@pytest.mark.parametrize(
    "start,message",
    [
        (at(2026, 4, 22, 10), "この曜日は相談を受け付けていません"),  # Wednesday
        (at(2026, 4, 14, 10), "過去の日時"),
        (at(2026, 4, 23, 18), "受付時間外"),
        (at(2026, 4, 23, 8), "受付時間外"),
        (at(2026, 4, 23, 9, 30), "受付時間外"),
        (at(2026, 5, 5, 10), "祝日"),  # こどもの日, a Tuesday
        (at(2026, 6, 30, 10), "週間先まで"),
        (at(2026, 4, 21, 9), "時間以上先"),  # inside the 24 h notice
    ],
)
def test_bad_slots_get_a_japanese_error_and_change_nothing(frozen, advisor, sme_user, start, message):
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=sme_user, start=start, **intake())
    assert message in str(exc.value)
    assert exc.value.field == "start"
    assert not Booking.objects.exists()
    assert not MailOutbox.objects.exists()


def test_forged_advisor_is_refused(frozen, advisor, sme_user):
    other = make_advisor(window_code="kyushu", name="九州の専門家", email="k@example.jp")
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=sme_user, start=at(2026, 4, 23, 10), advisor_id=other.pk, **intake())
    assert exc.value.field == "advisor"
    with pytest.raises(ApplicationError):
        booking_create(user=sme_user, start=at(2026, 4, 23, 10), advisor_id=999999, **intake())
    assert not Booking.objects.exists()


def test_unknown_window_and_bad_topic_are_refused(frozen, advisor, sme_user):
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake(window_code="mars"))
    assert exc.value.field == "window"
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake(topics=["astrology"]))
    assert exc.value.field == "topics"
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake(mode="in_person"))
    assert exc.value.field == "mode"


def test_a_taken_slot_says_it_was_just_taken(frozen, advisor, sme_user):
    booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    assert "たった今埋まりました" in str(exc.value)


def test_database_refuses_two_active_bookings_of_one_advisor_at_one_time(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    clone = Booking(
        company=booking.company,
        window=booking.window,
        advisor=advisor,
        start=booking.start,
        end=booking.end,
        mode="online",
        topics=["pr"],
        question="q",
        meeting_tool="zoom",
    )
    with pytest.raises(IntegrityError):
        clone.save()


def test_a_cancelled_slot_can_be_booked_again(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    booking_cancel(user=sme_user, pk=booking.pk, token=booking.token)
    again = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    assert again.advisor == advisor


def test_a_company_holds_at_most_two_future_bookings_but_may_book_again_later(frozen, advisor, sme_user):
    make_advisor(name="B", email="b@example.jp")
    first = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    booking_create(user=sme_user, start=at(2026, 4, 23, 11), **intake())
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=sme_user, start=at(2026, 4, 28, 11), **intake())
    assert "2件まで" in str(exc.value)
    booking_set_status(booking=first, status=BookingStatus.CONFIRMED)
    with time_machine.travel(at(2026, 4, 23, 12), tick=False):
        booking_set_status(booking=first, status=BookingStatus.DONE)
        booking_create(user=sme_user, start=at(2026, 4, 30, 11), **intake())  # the first ones are in the past now


def test_sme_picks_an_advisor_or_leaves_it_to_the_desk(frozen, advisor, sme_user):
    second = make_advisor(name="B", email="b@example.jp")
    chosen = booking_create(user=sme_user, start=at(2026, 4, 23, 10), advisor_id=second.pk, **intake())
    assert chosen.advisor == second and chosen.advisor_chosen
    left = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    assert left.advisor == advisor and not left.advisor_chosen


def test_another_companys_booking_is_404(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    stranger = SmeUserFactory()
    with pytest.raises(Http404):
        booking_cancel(user=stranger, pk=booking.pk, token=booking.token)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_tampered_token_is_refused(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    with pytest.raises(ApplicationError):
        booking_reschedule(user=sme_user, pk=booking.pk, token=booking.token + "x", start=at(2026, 4, 28, 10))
    with pytest.raises(ApplicationError):
        booking_cancel(user=sme_user, pk=booking.pk, token="forged")
    booking.refresh_from_db()
    assert booking.start == at(2026, 4, 23, 10) and booking.status == BookingStatus.REQUESTED


def test_cancel_and_reschedule_stop_at_the_cut_off(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    with time_machine.travel(at(2026, 4, 22, 11), tick=False):
        with pytest.raises(ApplicationError) as exc:
            booking_cancel(user=sme_user, pk=booking.pk, token=booking.token)
    assert "24時間前" in str(exc.value)


def test_reschedule_moves_the_booking_and_frees_the_old_slot(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    moved = booking_reschedule(user=sme_user, pk=booking.pk, token=booking.token, start=at(2026, 4, 28, 13))
    assert moved.start == at(2026, 4, 28, 13) and moved.sequence == 1
    hq = ConsultationWindow.objects.get(code="hq")
    free = {
        s.start: s.free for s in window_slots(window=hq, date_from=dt.date(2026, 4, 23), date_to=dt.date(2026, 4, 23))
    }
    assert free[at(2026, 4, 23, 10)] is True
    with pytest.raises(ApplicationError):
        booking_reschedule(user=sme_user, pk=booking.pk, token=booking.token, start=at(2026, 4, 29, 13))  # Showa Day


def _deliver_all():
    for pk in MailOutbox.objects.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True):
        outbox_deliver(pk=pk)


def test_new_booking_mails_sme_advisor_and_desk_with_ics(frozen, advisor, sme_user, mailoutbox, settings):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    _deliver_all()
    to_sme = [m for m in mailoutbox if m.to == [sme_user.email]]
    to_staff = [m for m in mailoutbox if settings.DESK_EMAIL in m.to]
    assert len(to_sme) == 1 and len(to_staff) == 1
    assert advisor.email in to_staff[0].to
    body = to_sme[0].body
    assert "2026年4月23日" in body and "10:00" in body
    assert f"/consultations/bookings/{booking.pk}/cancel/{booking.token}/" in body
    name, content, mimetype = to_sme[0].attachments[0]
    assert mimetype == "text/calendar"
    content = content if isinstance(content, str) else content.decode()
    assert "DTSTART" in content and ("20260423T010000Z" in content or "20260423T100000" in content)


def test_changed_and_cancelled_bookings_mail_everyone_again(frozen, advisor, sme_user, mailoutbox, settings):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    booking_reschedule(user=sme_user, pk=booking.pk, token=booking.token, start=at(2026, 4, 28, 10))
    booking_cancel(user=sme_user, pk=booking.pk, token=booking.token)
    _deliver_all()
    subjects = sorted(m.subject for m in mailoutbox if m.to == [sme_user.email])
    assert len(subjects) == 3
    assert any("変更" in s for s in subjects) and any("キャンセル" in s for s in subjects)
    cancelled = [m for m in mailoutbox if "キャンセル" in m.subject and m.to == [sme_user.email]][0]
    ics = cancelled.attachments[0][1]
    assert "STATUS:CANCELLED" in (ics if isinstance(ics, str) else ics.decode())
    assert sum(1 for m in mailoutbox if settings.DESK_EMAIL in m.to) == 3


def test_failing_smtp_keeps_the_booking_and_the_mail_for_retry(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    row = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:created")
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=SMTPException("down")):
        with pytest.raises(MailDeferred):
            outbox_deliver(pk=row.pk)
    assert Booking.objects.filter(pk=booking.pk).exists()
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1


def _reminders(booking):
    return MailOutbox.objects.filter(key__startswith=f"consultations.booking:{booking.pk}:reminder")


def test_reminder_goes_the_day_before_exactly_once(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    with time_machine.travel(at(2026, 4, 21, 10), tick=False):
        assert reminders_send() == 0  # two days before
    with time_machine.travel(at(2026, 4, 22, 10), tick=False):
        assert reminders_send() == 1
        assert reminders_send() == 0  # beat fired twice
        from consultations.tasks import consultations_send_reminders

        consultations_send_reminders.apply()
    assert _reminders(booking).count() == 1
    assert "明日" in _reminders(booking).get().subject


def test_no_reminder_for_cancelled_or_moved_bookings_but_the_moved_one_gets_its_own(frozen, advisor, sme_user):
    cancelled = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    booking_cancel(user=sme_user, pk=cancelled.pk, token=cancelled.token)
    moved = booking_create(user=sme_user, start=at(2026, 4, 23, 11), **intake())
    booking_reschedule(user=sme_user, pk=moved.pk, token=moved.token, start=at(2026, 4, 28, 11))
    with time_machine.travel(at(2026, 4, 22, 10), tick=False):
        assert reminders_send() == 0
    with time_machine.travel(at(2026, 4, 27, 10), tick=False):
        assert reminders_send() == 1
    assert not _reminders(cancelled).exists()
    assert _reminders(moved).count() == 1


def test_desk_status_workflow(frozen, advisor, sme_user):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    with pytest.raises(ApplicationError):
        booking_set_status(booking=booking, status=BookingStatus.DONE)
    booking_set_status(booking=booking, status=BookingStatus.CONFIRMED)
    with pytest.raises(ApplicationError):
        booking_set_status(booking=booking, status=BookingStatus.NO_SHOW)  # not before it starts
    with time_machine.travel(at(2026, 4, 23, 11), tick=False):
        booking_set_status(booking=booking, status=BookingStatus.NO_SHOW)
    with pytest.raises(ApplicationError):
        booking_set_status(booking=booking, status=BookingStatus.CONFIRMED)


def test_sitting_in_institution_is_recorded_and_must_be_one_the_company_is_a_member_of(frozen, advisor, sme_user):
    from institutions.models import Membership

    institution = SupportInstitutionFactory()
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=sme_user, start=at(2026, 4, 23, 10), sitting_in_id=institution.pk, **intake())
    assert exc.value.field == "sitting_in" and "所属している支援機関だけ" in exc.value.message
    Membership.objects.create(institution=institution, company=sme_user.company)
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), sitting_in_id=institution.pk, **intake())
    assert booking.sitting_in == institution
    with pytest.raises(ApplicationError) as exc:
        booking_create(user=sme_user, start=at(2026, 4, 23, 11), sitting_in_id=987654, **intake())
    assert exc.value.field == "sitting_in"


def test_in_person_booking_at_a_regional_window_uses_its_address(frozen, sme_user, mailoutbox):
    give_timetable("kyushu")  # staff set one: without it the window is a contact with no slots
    make_advisor(window_code="kyushu", name="九州の専門家", email="k@example.jp")
    booking = booking_create(
        user=sme_user,
        start=at(2026, 4, 23, 10),
        **intake(window_code="kyushu", mode="in_person", meeting_tool="in_person"),
    )
    _deliver_all()
    body = next(m.body for m in mailoutbox if m.to == [sme_user.email])
    assert booking.window.address in body
    with pytest.raises(ApplicationError) as exc:
        booking_create(
            user=sme_user,
            start=at(2026, 4, 23, 11),
            **intake(window_code="kyushu", mode="in_person", meeting_tool="zoom"),
        )
    assert exc.value.field == "meeting_tool"
