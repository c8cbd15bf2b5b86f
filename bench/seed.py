"""Data for `make bench`, made with the project's own factories and services (no copies of model logic).

Each function takes its size, so that the whole benchmark can be rerun at ten times the data.
"""

import datetime as dt
import random
from itertools import cycle

from django.db import transaction
from django.utils import timezone

JST = dt.timezone(dt.timedelta(hours=9))


def analyze(*tables: str) -> None:
    """Planner statistics after a bulk load, as autovacuum would gather them a little later on a live server."""
    from django.db import connection

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'VACUUM ANALYZE "{table}"')


@transaction.atomic
def consultations(*, advisors: int, bookings: int, seed: int = 7) -> str:
    """`advisors` advisors serving hq and one regional window (Tue/Thu 9–17), and `bookings` one-hour bookings
    from ten weeks ago onwards, on every advisor's free hours in turn; no company holds two bookings at one hour."""
    from accounts.tests.factories import CompanyFactory
    from consultations.models import Advisor, Booking, BookingStatus, ConsultationWindow
    from consultations.tests.factories import AdvisorAvailabilityFactory, AdvisorFactory, BookingFactory

    rng = random.Random(seed)
    windows = list(ConsultationWindow.objects.all())
    hq = next(w for w in windows if w.code == "hq")
    regional = [w for w in windows if w.code != "hq"]
    people: list[Advisor] = []
    for i in range(advisors):
        advisor = AdvisorFactory(name=f"ベンチ専門家{i}", windows=[hq, regional[i % len(regional)]])
        for weekday in (1, 3):
            AdvisorAvailabilityFactory(advisor=advisor, weekday=weekday)
        people.append(advisor)
    companies = CompanyFactory.create_batch(max(advisors * 2, 50))
    company_cycle = cycle(companies)
    today = timezone.localdate()
    day = today - dt.timedelta(weeks=10)
    rows: list = []
    future_statuses = [BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CANCELLED]
    while len(rows) < bookings:
        if day.weekday() in (1, 3):
            for hour in range(9, 17):
                start = dt.datetime.combine(day, dt.time(hour), tzinfo=JST)
                for advisor in people:
                    if len(rows) >= bookings:
                        break
                    status = rng.choice(future_statuses) if day >= today else BookingStatus.DONE
                    rows.append(
                        BookingFactory.build(
                            company=next(company_cycle), window=hq, advisor=advisor, start=start, status=status
                        )
                    )
        day += dt.timedelta(days=1)
    Booking.objects.bulk_create(rows, batch_size=1000)
    return f"{advisors} advisors, {len(windows)} windows, {len(rows)} bookings (last on {day - dt.timedelta(days=1)})"


@transaction.atomic
def seminars(*, count: int) -> str:
    """`count` upcoming published seminars over the next four months (the past ones come from the migration)."""
    from seminars.models import Seminar
    from seminars.tests.factories import SeminarFactory

    now = timezone.now()
    for i in range(count):
        starts = now + dt.timedelta(days=2 + i % 120, hours=i % 7)
        SeminarFactory(
            title=f"脱炭素経営ベンチセミナー{i}",
            summary="省エネルギーの基礎から、取引先に求められるCO2排出量の算定までを解説します。",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            capacity=30 + i % 50,
        )
    return f"{Seminar.objects.filter(is_published=True).count()} seminars"


PREFIXES = ["省エネ設備", "再生可能エネルギー", "カーボンニュートラル", "脱炭素経営", "事業再構築", "ものづくり",
            "IT導入", "物流効率化", "断熱改修", "電動車", "水素利活用", "排熱回収"]  # fmt: skip
SUFFIXES = ["導入補助金", "支援事業", "促進税制", "診断事業", "助成金", "実証事業"]


def measures(*, total: int) -> str:
    """See _measures; then the planner statistics of the grown tables."""
    result = _measures(total=total)
    analyze("subsidies_measure", "subsidies_track", "subsidies_trackcap", "subsidies_applicationround")
    return result


@transaction.atomic
def _measures(*, total: int) -> str:
    """Grow the catalogue to `total` measures, each new one with 2 tracks (2 cap bands each) and 2 rounds:
    a mix of open, upcoming and closed windows."""
    from subsidies import ordering
    from subsidies.models import ApplicationRound, Measure, Track, TrackCap
    from subsidies.tests.factories import MeasureFactory, RoundFactory, TrackCapFactory, TrackFactory

    now = timezone.now()
    start = Measure.objects.count()
    steps = ["know", "measure", "reduce", "supply_chain"]
    new = [
        MeasureFactory.build(
            name=f"{PREFIXES[i % len(PREFIXES)]}{SUFFIXES[i % len(SUFFIXES)]}（第{i}号）",
            step=steps[i % len(steps)],
            administering_body=f"ベンチ県{i % 47}産業振興課",
            description=f"{PREFIXES[(i * 7) % len(PREFIXES)]}に取り組む中小企業の設備投資を支援します。",
            target_area_search="" if i % 3 else ",aichi,gifu,mie,",
        )
        for i in range(start, total)
    ]
    Measure.objects.bulk_create(new, batch_size=1000)
    tracks, rounds = [], []
    for i, measure in enumerate(new):
        for t, (numerator, denominator) in enumerate(((1, 2), (2, 3))):
            tracks.append(
                TrackFactory.build(
                    measure=measure,
                    name=("通常枠", "グリーン枠")[t],
                    subsidy_rate=f"{numerator}/{denominator}",
                    rate_numerator=numerator,
                    rate_denominator=denominator,
                    position=t,
                )
            )
        first_start = now - dt.timedelta(days=60 - i % 90)
        first_end = first_start + dt.timedelta(days=30 + i % 45)
        second_start = first_end + dt.timedelta(days=30)
        rounds += [
            RoundFactory.build(
                measure=measure, name="第1回", acceptance_start_datetime=first_start, acceptance_end_datetime=first_end
            ),
            RoundFactory.build(
                measure=measure,
                name="第2回",
                acceptance_start_datetime=second_start,
                acceptance_end_datetime=second_start + dt.timedelta(days=45),
            ),
        ]
    Track.objects.bulk_create(tracks, batch_size=1000)
    ApplicationRound.objects.bulk_create(rounds, batch_size=1000)
    ordering.refresh(measure_ids=[m.pk for m in new])  # bulk_create sends no signal: place them in the finder
    caps = []
    for track in tracks:
        caps += [
            TrackCapFactory.build(track=track, min_employees=0, max_employees=20, max_amount_yen=10_000_000),
            TrackCapFactory.build(track=track, min_employees=21, max_employees=None, max_amount_yen=20_000_000),
        ]
    TrackCap.objects.bulk_create(caps, batch_size=1000)
    return (
        f"{Measure.objects.count()} measures, {Track.objects.count()} tracks, {ApplicationRound.objects.count()} rounds"
    )


def report_sheet() -> int:
    """A fully filled self-check sheet of one company (through the self-check services); returns its pk."""
    from accounts.tests.factories import CompanyFactory
    from selfcheck.tests.helpers import filled_sheet

    return filled_sheet(CompanyFactory(name="ベンチマーク工業株式会社")).pk
