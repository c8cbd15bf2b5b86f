"""Collisions are impossible: real threads on PostgreSQL, each with its own connection and transaction.

The figures are printed (run with -s to see them) so that they can be quoted as measured.
"""

import collections
import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.tests.factories import CompanyFactory, SmeUserFactory
from consultations.models import ACTIVE_STATUSES, AdvisorDayOff, Booking, BookingStatus, ConsultationWindow, OpeningRule
from consultations.services import (
    TAKEN_MESSAGE,
    advisor_day_off_add,
    booking_bounds,
    booking_create,
    booking_reschedule,
    max_future_bookings,
    window_slots,
)
from consultations.tests.conftest import intake, make_advisor
from core.errors import ApplicationError
from core.jst import JST, jst_date
from core.queue import task_named

# PostgreSQL allows 100 connections and the server may be shared with another test run (two xdist workers each):
# the attempts start together at a barrier and at most this many hold a connection at the same time.
MAX_CONNECTIONS = 15

transactional = pytest.mark.django_db(transaction=True)


def race(calls: list) -> collections.Counter:
    """Run each zero-argument callable in its own thread, all released at once; count the outcomes."""
    barrier = threading.Barrier(len(calls))
    gate = threading.Semaphore(MAX_CONNECTIONS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call):
        barrier.wait()
        with gate:
            try:
                call()
                outcome = "ok"
            except ApplicationError as exc:
                outcome = str(exc)
            except Exception as exc:  # noqa: BLE001 - any other outcome fails the test with its name
                outcome = f"unexpected {type(exc).__name__}: {exc}"
            finally:
                connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return collections.Counter(outcomes)


def report(name: str, counts: collections.Counter, started: float, **extra) -> None:
    print(
        f"\n[concurrency] {name}: {sum(counts.values())} attempts -> {counts.get('ok', 0)} booked, "
        f"{counts.get(TAKEN_MESSAGE, 0)} told 「{TAKEN_MESSAGE}」, "
        f"other {sum(v for k, v in counts.items() if k not in ('ok', TAKEN_MESSAGE))}; "
        f"{time.monotonic() - started:.1f} s" + "".join(f"; {k} {v}" for k, v in extra.items())
    )


def first_free_thursday(window_code: str = "hq") -> dt.date:
    earliest, _latest = booking_bounds()
    day = jst_date(earliest) + dt.timedelta(days=7)
    while day.weekday() != 3:
        day += dt.timedelta(days=1)
    window = ConsultationWindow.objects.get(code=window_code)
    while not any(s.free for s in window_slots(window=window, date_from=day, date_to=day)):
        day += dt.timedelta(days=7)
    return day


def at_jst(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=JST)


def active(**filters):
    return Booking.objects.filter(status__in=ACTIVE_STATUSES, **filters)


@transactional
def test_two_hundred_concurrent_attempts_on_one_slot_give_exactly_one_booking():
    advisor = make_advisor()
    users = [SmeUserFactory() for _ in range(200)]
    start = at_jst(first_free_thursday(), 10)
    started = time.monotonic()
    counts = race([lambda u=u: booking_create(user=u, start=start, **intake()) for u in users])
    report("200 companies, one slot", counts, started)
    assert counts["ok"] == 1, counts
    assert counts[TAKEN_MESSAGE] == 199, counts
    assert active(advisor=advisor).count() == 1


@transactional
def test_one_advisor_in_two_windows_on_hour_and_half_hour_grids_is_booked_once():
    advisor = make_advisor()
    advisor.windows.add(ConsultationWindow.objects.get(code="tohoku"))
    tohoku = ConsultationWindow.objects.get(code="tohoku")
    OpeningRule.objects.filter(window=tohoku).delete()
    for weekday in (1, 3):
        OpeningRule.objects.create(
            window=tohoku, weekday=weekday, start=dt.time(9, 30), end=dt.time(16, 30), slot_minutes=60
        )
    day = first_free_thursday()
    hq_start, tohoku_start = at_jst(day, 15), at_jst(day, 15, 30)
    users = [SmeUserFactory() for _ in range(60)]
    calls = []
    for i, user in enumerate(users):
        if i % 2:
            calls.append(lambda u=user: booking_create(user=u, start=hq_start, advisor_id=advisor.pk, **intake()))
        else:
            calls.append(
                lambda u=user: booking_create(user=u, start=tohoku_start, **intake(window_code="tohoku", mode="online"))
            )
    started = time.monotonic()
    counts = race(calls)
    report("one advisor, hq 15:00 vs tohoku 15:30", counts, started)
    assert counts["ok"] == 1, counts
    assert active(advisor=advisor).count() == 1


@transactional
def test_one_company_with_two_free_advisors_gets_one_booking_per_hour():
    first = make_advisor(name="A", email="a@example.jp")
    second = make_advisor(name="B", email="b@example.jp")
    company = CompanyFactory()
    users = [SmeUserFactory(company=company) for _ in range(4)]
    start = at_jst(first_free_thursday(), 11)
    calls = [
        lambda u=users[i % 4], a=(first, second)[i % 2]: booking_create(
            user=u, start=start, advisor_id=a.pk, **intake()
        )
        for i in range(20)
    ]
    started = time.monotonic()
    counts = race(calls)
    report("one company, two advisors, same hour", counts, started)
    assert counts["ok"] == 1, counts
    assert set(counts) <= {"ok", TAKEN_MESSAGE}, counts
    assert active(company=company).count() == 1


@transactional
def test_a_reschedule_racing_a_new_booking_into_the_same_hour_gives_one():
    advisor = make_advisor()
    day = first_free_thursday()
    rounds, moved_won, new_won = 10, 0, 0
    started = time.monotonic()
    total = collections.Counter()
    for hour in range(9, 9 + rounds // 2):
        for offset_days in (0, 7):
            target = at_jst(day + dt.timedelta(days=offset_days), hour)
            mover = SmeUserFactory()
            booking = booking_create(user=mover, start=at_jst(day + dt.timedelta(days=14), 9 + hour % 8), **intake())
            newcomer = SmeUserFactory()
            counts = race(
                [
                    lambda b=booking, u=mover, t=target: booking_reschedule(user=u, pk=b.pk, token=b.token, start=t),
                    lambda u=newcomer, t=target: booking_create(user=u, start=t, **intake()),
                ]
            )
            total += counts
            holders = list(active(advisor=advisor, start=target).values_list("company_id", flat=True))
            assert len(holders) == 1 and counts["ok"] == 1, (target, counts)
            moved_won += holders[0] == mover.company_id
            new_won += holders[0] == newcomer.company_id
            booking_cancel_all()
    report(f"{rounds} rounds of reschedule vs new booking", total, started, reschedule_won=moved_won, new_won=new_won)
    assert moved_won + new_won == rounds


def booking_cancel_all() -> None:
    Booking.objects.filter(status__in=ACTIVE_STATUSES).update(status=BookingStatus.CANCELLED)


@transactional
def test_twenty_racing_requests_of_one_company_respect_the_future_booking_cap():
    for i in range(3):
        make_advisor(name=f"A{i}", email=f"a{i}@example.jp")
    company = CompanyFactory()
    users = [SmeUserFactory(company=company) for _ in range(5)]
    day = first_free_thursday()
    starts = [at_jst(day + dt.timedelta(days=7 * (i // 8)), 9 + i % 8) for i in range(20)]
    started = time.monotonic()
    counts = race([lambda u=users[i % 5], s=starts[i]: booking_create(user=u, start=s, **intake()) for i in range(20)])
    report("20 requests of one company, 20 different hours", counts, started, cap=max_future_bookings())
    assert counts["ok"] == max_future_bookings(), counts
    assert active(company=company).count() == max_future_bookings()


@transactional
def test_a_lock_held_too_long_ends_in_the_just_taken_message(settings):
    settings.LOCK_TIMEOUT_SECONDS = 0.3
    advisor = make_advisor()
    user = SmeUserFactory()
    start = at_jst(first_free_thursday(), 13)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(type(advisor).objects.select_for_update().filter(pk=advisor.pk))
            holding.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    try:
        with pytest.raises(ApplicationError) as exc:
            booking_create(user=user, start=start, **intake())
    finally:
        release.set()
        holder.join()
    assert str(exc.value) == TAKEN_MESSAGE
    assert not Booking.objects.exists()


# The database itself, without the service: the exclusion constraints (PostgreSQL).


def _row(advisor, company, window_code, start, minutes=60, status=BookingStatus.REQUESTED) -> Booking:
    return Booking(
        company=company,
        window=ConsultationWindow.objects.get(code=window_code),
        advisor=advisor,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        mode="online",
        topics=["pr"],
        question="q",
        meeting_tool="zoom",
        status=status,
    )


@pytest.mark.django_db
def test_database_refuses_overlapping_active_bookings_of_one_advisor_across_windows_and_grids():
    advisor = make_advisor()
    day = dt.date(2030, 1, 10)
    _row(advisor, CompanyFactory(), "hq", at_jst(day, 15)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(advisor, CompanyFactory(), "tohoku", at_jst(day, 15, 30)).save()
    _row(advisor, CompanyFactory(), "tohoku", at_jst(day, 16)).save()  # touching is not overlapping
    _row(advisor, CompanyFactory(), "tohoku", at_jst(day, 14, 30), status=BookingStatus.CANCELLED).save()
    assert Booking.objects.count() == 3


@pytest.mark.django_db
def test_database_refuses_overlapping_active_bookings_of_one_company():
    first, second = make_advisor(name="A", email="a@example.jp"), make_advisor(name="B", email="b@example.jp")
    company = CompanyFactory()
    day = dt.date(2030, 1, 10)
    _row(first, company, "hq", at_jst(day, 10)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(second, company, "hq", at_jst(day, 10, 30)).save()
    _row(second, company, "hq", at_jst(day, 10), status=BookingStatus.NO_SHOW).save()
    assert Booking.objects.filter(company=company).count() == 2


@transactional
def test_an_advisor_taking_a_day_off_while_companies_book_it_never_gets_both():
    """The day off and the bookings lock the same advisor row: whichever commits first wins the day, every round."""
    advisor = make_advisor()
    day = first_free_thursday()
    # Several bookings commit at once here, each queueing its mail: Celery's first task lookup (its autodiscovery)
    # runs before the threads, not in four of them at the same time.
    task_named("core.tasks.outbox_send")
    for round_ in range(4):
        users = [SmeUserFactory() for _ in range(4)]
        calls = [
            lambda u=u, h=h, d=day: booking_create(user=u, start=at_jst(d, h), **intake())
            for u, h in zip(users, (10, 11, 13, 14), strict=True)
        ]
        calls.insert(round_, lambda d=day: advisor_day_off_add(advisor=advisor, date=d, by=None))
        counts = race(calls)
        booked = active(advisor=advisor, start__date=day).count()
        day_off = AdvisorDayOff.objects.filter(advisor=advisor, date=day).exists()
        assert not (day_off and booked), (counts, booked)
        assert day_off or booked == 4, counts
        refused = [k for k in counts if "予約が入っているため休みにできません" in k]
        assert (day_off and counts["ok"] == 1 and counts[TAKEN_MESSAGE] == 4) or (
            booked == 4 and counts["ok"] == 4 and sum(counts[k] for k in refused) == 1
        ), counts
        day += dt.timedelta(days=7)
