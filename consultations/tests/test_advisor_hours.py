"""An advisor's weekly hours, days off and consultation record are written by consultations' services only: the rules
once, the advisor row locked where hours become scarcer, who changed what in the history, the cached slots retired."""

import datetime as dt

import pytest

from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from consultations import services
from consultations.models import AdvisorAvailability, AdvisorDayOff, Booking, BookingStatus
from consultations.services import (
    advisor_day_off_add,
    advisor_day_off_remove,
    advisor_hours_replace,
    booking_create,
    booking_hold_create,
    booking_record_set,
)
from consultations.tests.conftest import at, intake
from core.cache import versions
from core.errors import ApplicationError

pytestmark = pytest.mark.django_db
THURSDAY = dt.date(2026, 4, 23)


def hours(advisor) -> list[tuple[int, dt.time, dt.time]]:
    return list(AdvisorAvailability.objects.filter(advisor=advisor).values_list("weekday", "start", "end"))


def test_replacing_hours_keeps_unchanged_rows_and_the_history_names_who_changed_the_others(advisor):
    desk = StaffUserFactory()
    tuesday = AdvisorAvailability.objects.get(advisor=advisor, weekday=1)
    advisor_hours_replace(advisor=advisor, rows=[(3, dt.time(13), dt.time(17)), (1, dt.time(9), dt.time(17))], by=desk)

    assert hours(advisor) == [(1, dt.time(9), dt.time(17)), (3, dt.time(13), dt.time(17))]
    assert AdvisorAvailability.objects.get(advisor=advisor, weekday=1).pk == tuesday.pk  # untouched
    assert not AdvisorAvailability.history.filter(id=tuesday.pk, history_type__in="-~").exists()
    changed = AdvisorAvailability.history.filter(advisor_id=advisor.pk, weekday=3).order_by("history_id")
    assert [(r.history_type, r.start, r.history_user) for r in changed][-2:] == [
        ("-", dt.time(9), desk),
        ("+", dt.time(13), desk),
    ]


@pytest.mark.parametrize(
    "rows, message",
    [
        ([(2, dt.time(9), dt.time(12))], "受付時間（受付なし）の外です"),
        ([(1, dt.time(8), dt.time(12))], "受付時間（09:00〜17:00）の外です"),
        ([(1, dt.time(9), dt.time(12)), (1, dt.time(11), dt.time(13))], "時間帯が重なっています"),
        ([(1, dt.time(12), dt.time(10))], "終了は開始より後"),
        ([(1, dt.time(9), dt.time(10))] * 22, "時間帯は21件までです"),
    ],
)
def test_hours_against_the_rules_are_refused_and_nothing_changes(advisor, rows, message):
    before = hours(advisor)
    with pytest.raises(ApplicationError, match=message):
        advisor_hours_replace(advisor=advisor, rows=rows, by=None)
    assert hours(advisor) == before


def test_a_day_off_is_refused_over_a_booking_or_a_live_hold_but_not_over_an_expired_hold(frozen, advisor):
    booked = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    with pytest.raises(ApplicationError, match=f"10:00 .+（予約番号{booked.pk}）") as refused:
        advisor_day_off_add(advisor=advisor, date=THURSDAY, by=None)
    assert refused.value.code == "has_bookings"

    hold = booking_hold_create(
        email="new@example.jp",
        family_name="新規",
        given_name="花子",
        company_data={"name": "仮押さえ工業", "prefecture": "13", "industry": "manufacturing"},
        start=at(2026, 4, 28, 14),
        **intake(),
    )
    assert hold is not None and hold.status == BookingStatus.HELD
    with pytest.raises(ApplicationError, match="14:00 メール確認待ちの仮予約") as refused:
        advisor_day_off_add(advisor=advisor, date=dt.date(2026, 4, 28), by=None)
    assert "仮押さえ工業" not in refused.value.message  # a newcomer's company is no consultation yet

    frozen.shift(dt.timedelta(minutes=services.hold_minutes() + 1))
    advisor_day_off_add(advisor=advisor, date=dt.date(2026, 4, 28), by=None)
    hold.refresh_from_db()
    assert hold.status == BookingStatus.EXPIRED
    assert not AdvisorDayOff.objects.filter(date=THURSDAY).exists()


def test_adding_and_removing_a_day_off_bumps_the_slots_version_and_records_who(frozen, advisor):
    desk = StaffUserFactory()
    (before,) = versions("consultations")
    day_off = advisor_day_off_add(advisor=advisor, date=THURSDAY, by=desk)
    (added,) = versions("consultations")
    assert added != before
    assert advisor_day_off_add(advisor=advisor, date=THURSDAY, by=desk).pk == day_off.pk  # twice: one day off
    assert day_off.history.get().history_user == desk

    assert advisor_day_off_remove(advisor=advisor, date=THURSDAY, by=desk) is True
    (removed,) = versions("consultations")
    assert removed != added
    assert AdvisorDayOff.history.filter(id=day_off.pk, history_type="-").get().history_user == desk
    assert advisor_day_off_remove(advisor=advisor, date=THURSDAY, by=desk) is False


def test_past_and_far_days_off_are_refused(frozen, advisor):
    for date in (dt.date(2026, 4, 19), dt.date(2027, 4, 22)):
        with pytest.raises(ApplicationError):
            advisor_day_off_add(advisor=advisor, date=date, by=None)
    assert not AdvisorDayOff.objects.exists()


def test_replacing_hours_bumps_the_slots_version(advisor):
    (before,) = versions("consultations")
    advisor_hours_replace(advisor=advisor, rows=[(1, dt.time(9), dt.time(12))], by=None)
    (after,) = versions("consultations")
    assert after != before


def test_the_record_is_kept_with_who_wrote_it_and_refused_on_a_cancelled_booking(frozen, advisor):
    desk = StaffUserFactory()
    booking = booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    booking_record_set(booking=booking, private_record="  省エネ診断を提案  ", by=desk)
    booking.refresh_from_db()
    assert booking.private_record == "省エネ診断を提案"
    assert booking.history.latest().history_user == desk

    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
    with pytest.raises(ApplicationError, match="キャンセルされた相談には記録できません"):
        booking_record_set(booking=booking, private_record="後から", by=desk)
    booking.refresh_from_db()
    assert booking.private_record == "省エネ診断を提案"
