import datetime as dt

import pytest

from accounts.tests.factories import SmeUserFactory
from consultations.models import (
    AdvisorDayOff,
    Booking,
    Closure,
    ConsultationWindow,
    OpeningRule,
)
from consultations.services import window_slots
from consultations.tests.conftest import at, make_advisor

pytestmark = pytest.mark.django_db


def test_six_windows_exist_and_only_hq_has_the_tuesday_thursday_nine_to_five_rules():
    codes = set(ConsultationWindow.objects.values_list("code", flat=True))
    assert codes == {"hq", "tohoku", "chubu", "kinki", "chugoku", "kyushu"}
    for window in ConsultationWindow.objects.all():
        rules = list(OpeningRule.objects.filter(window=window).values_list("weekday", "start", "end", "slot_minutes"))
        expected = [(1, dt.time(9), dt.time(17), 60), (3, dt.time(9), dt.time(17), 60)] if window.code == "hq" else []
        assert sorted(rules) == expected, window.code  # reference/000: regional windows are a contact


def test_slots_are_one_hour_on_tuesday_and_thursday_in_jst(frozen, advisor):
    hq = ConsultationWindow.objects.get(code="hq")
    slots = window_slots(window=hq, date_from=dt.date(2026, 4, 27), date_to=dt.date(2026, 5, 3))
    assert {s.start.date() for s in slots} == {dt.date(2026, 4, 28), dt.date(2026, 4, 30)}
    assert [s.start.hour for s in slots] == list(range(9, 17)) * 2
    assert all(s.end - s.start == dt.timedelta(hours=1) for s in slots)
    assert slots[0].start.isoformat() == "2026-04-28T09:00:00+09:00"
    assert all(s.free for s in slots)


def test_public_holiday_and_staff_closure_have_no_slots(frozen, advisor):
    hq = ConsultationWindow.objects.get(code="hq")
    Closure.objects.create(window=None, date=dt.date(2026, 5, 7), reason="臨時休業")
    slots = window_slots(window=hq, date_from=dt.date(2026, 5, 4), date_to=dt.date(2026, 5, 10))
    days = {s.start.date() for s in slots}
    assert dt.date(2026, 5, 5) not in days  # こどもの日
    assert dt.date(2026, 5, 7) not in days  # staff closure
    assert days == set()


def test_notice_period_hides_slots_before_the_next_business_day(frozen, advisor):
    hq = ConsultationWindow.objects.get(code="hq")
    slots = window_slots(window=hq, date_from=dt.date(2026, 4, 20), date_to=dt.date(2026, 4, 21))
    # now is Monday 10:00; with 24 h notice, Tuesday starts at 10:00.
    assert [s.start.hour for s in slots] == list(range(10, 17))


def test_horizon_limits_slots(frozen, advisor, settings):
    settings.CONSULTATIONS_HORIZON_WEEKS = 1
    hq = ConsultationWindow.objects.get(code="hq")
    slots = window_slots(window=hq, date_from=dt.date(2026, 4, 20), date_to=dt.date(2026, 6, 30))
    assert max(s.start for s in slots).date() == dt.date(2026, 4, 23)


def test_slot_is_taken_when_the_only_advisor_is_booked_off_or_away(frozen, advisor):
    hq = ConsultationWindow.objects.get(code="hq")
    company = SmeUserFactory().company
    Booking.objects.create(
        company=company,
        window=hq,
        advisor=advisor,
        start=at(2026, 4, 23, 9),
        end=at(2026, 4, 23, 10),
        mode="online",
        topics=["pr"],
        question="q",
        meeting_tool="zoom",
    )
    AdvisorDayOff.objects.create(advisor=advisor, date=dt.date(2026, 4, 28))
    slots = {
        s.start: s.free for s in window_slots(window=hq, date_from=dt.date(2026, 4, 23), date_to=dt.date(2026, 4, 28))
    }
    assert slots[at(2026, 4, 23, 9)] is False
    assert slots[at(2026, 4, 23, 10)] is True
    assert slots[at(2026, 4, 28, 9)] is False


def test_no_advisor_means_no_free_slot(frozen):
    hq = ConsultationWindow.objects.get(code="hq")
    slots = window_slots(window=hq, date_from=dt.date(2026, 4, 23), date_to=dt.date(2026, 4, 23))
    assert slots and not any(s.free for s in slots)


def _seed(n_advisors, n_bookings):
    hq = ConsultationWindow.objects.get(code="hq")
    advisors = [make_advisor(name=f"A{i}", email=f"a{i}@example.jp") for i in range(n_advisors)]
    company = SmeUserFactory().company
    start = at(2026, 4, 23, 9)
    for i in range(n_bookings):
        s = start + dt.timedelta(days=7 * (i // 8), hours=i % 8)
        Booking.objects.create(
            company=company,
            window=hq,
            advisor=advisors[i % n_advisors],
            start=s,
            end=s + dt.timedelta(hours=1),
            mode="online",
            topics=["pr"],
            question="q",
            meeting_tool="zoom",
        )
        AdvisorDayOff.objects.get_or_create(advisor=advisors[i % n_advisors], date=dt.date(2026, 6, 2))


@pytest.mark.parametrize("n_advisors,n_bookings", [(1, 1), (12, 60)])
def test_slot_computation_runs_a_constant_number_of_queries(
    frozen, django_assert_max_num_queries, n_advisors, n_bookings
):
    _seed(n_advisors, n_bookings)
    hq = ConsultationWindow.objects.get(code="hq")
    with django_assert_max_num_queries(6):
        slots = window_slots(window=hq, date_from=dt.date(2026, 4, 20), date_to=dt.date(2026, 6, 15))
    assert len(slots) > 50
