from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from core.choices import prefectures_in
from core.jst import JST, jst_date

from .models import CoHost, HeadcountUnit, Registration, RegistrationStatus, Seminar, Session

NAMESPACE = "seminars"  # version token of what the seminar list shows (seminars.apps wires the models)

AUDIENCE_FIELDS = {
    "sme": "for_sme",
    "institution": "for_institution",
    "financial": "for_financial",
    "consultant": "for_consultant",
}


def seminar_list(
    *,
    archive: bool = False,
    upcoming: bool | None = None,
    q: str = "",
    format: str = "",
    audience: str = "",
    prefecture: str = "",
    region: str = "",
    month: date | None = None,
) -> QuerySet[Seminar]:
    """Published seminars with seat counts and co-hosts; a fixed number of queries whatever the size."""
    now = timezone.now()
    seminars = (
        Seminar.objects.filter(is_published=True)
        .annotate(
            registered_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED))
        )
        .prefetch_related("cohosts")
    )
    if upcoming is None:
        upcoming = not archive
    # A seminar recorded by day only (no times) is past once its day in Japan is over.
    today = jst_date(now)
    if upcoming:
        seminars = seminars.filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True, held_on__gte=today)).order_by(
            "held_on", "starts_at"
        )
    else:
        seminars = seminars.filter(Q(ends_at__lt=now) | Q(ends_at__isnull=True, held_on__lt=today)).order_by(
            "-held_on", "-starts_at"
        )
    if q:
        # icontains is a substring match, so 省エネ is found inside 省エネルギー or 省エネ診断.
        seminars = seminars.filter(
            Q(title__icontains=q)
            | Q(summary__icontains=q)
            | Exists(CoHost.objects.filter(seminar=OuterRef("pk"), name__icontains=q))
            | Exists(
                Session.objects.filter(seminar=OuterRef("pk")).filter(Q(title__icontains=q) | Q(speaker__icontains=q))
            )
        )
    if format:
        seminars = seminars.filter(format=format)
    if audience in AUDIENCE_FIELDS:
        seminars = seminars.filter(**{AUDIENCE_FIELDS[audience]: True})
    if prefecture:
        seminars = seminars.filter(prefecture=prefecture)
    elif region:
        seminars = seminars.filter(prefecture__in=prefectures_in(region))
    if month:
        seminars = seminars.filter(held_on__year=month.year, held_on__month=month.month)
    return seminars


def seminar_list_changes_at(*, now: datetime | None = None) -> datetime:
    """When the lists next change with time alone: the next published seminar to end moves to the archive, and at
    midnight in Japan the seminars recorded by day only do."""
    now = now or timezone.now()
    midnight = datetime.combine(jst_date(now) + timedelta(days=1), time(0), tzinfo=JST)
    at = Seminar.objects.filter(is_published=True, ends_at__gte=now).aggregate(at=Min("ends_at"))["at"]
    return min(at, midnight) if at else midnight


LIST_MAX_AGE = 60  # seconds a browser may reuse the list without asking again (less when it changes sooner)
DETAIL_MAX_AGE = 60  # the same for a seminar's page (it shows the seats left)


def seminar_detail_changes_at(seminar: Seminar, *, now: datetime | None = None) -> datetime | None:
    """When a seminar's page next changes with time alone, None once nothing will: its registration deadline (the
    button gives way to 「申込受付は終了しました」) and its end (「終了しました」, the attendance and the materials
    appear); a seminar recorded by day only ends at midnight in Japan after its day. Its start changes nothing shown.
    A moment equal to `now` counts: the page made at that instant must not be reused past it."""
    now = now or timezone.now()
    if seminar.ends_at is not None:
        moments = [seminar.ends_at]
    else:
        moments = [datetime.combine(seminar.held_on + timedelta(days=1), time(0), tzinfo=JST)]
    if seminar.accepts_registration and seminar.registration_closes_at is not None:
        moments.append(seminar.registration_closes_at)
    return min((m for m in moments if m >= now), default=None)


def seminar_detail(*, pk: int) -> Seminar:
    return (
        Seminar.objects.filter(is_published=True)
        .annotate(
            registered_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED))
        )
        .prefetch_related("cohosts", "sessions", "materials")
        .get(pk=pk)
    )


def registration_of(*, seminar: Seminar, user: User) -> Registration | None:
    if not user.is_authenticated:
        return None
    return seminar.registrations.filter(user=user).exclude(status=RegistrationStatus.CANCELLED).first()


def registrations_of_user(*, user: User) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("seminar")
        .order_by("seminar__held_on", "seminar__starts_at")
    )


def seats_left(seminar: Seminar) -> int | None:
    if seminar.capacity is None:
        return None
    return max(seminar.capacity - seminar.registered_count, 0)


@dataclass
class Attendance:
    """Attendance of some seminars, kept apart by unit: people add up; companies and sites do not add to them."""

    seminars: int = 0
    people: int = 0
    people_at_least: bool = False  # some counts were recorded as "…以上"
    companies: int = 0
    other_notes: list[str] = field(default_factory=list)  # e.g. 「61支店」: recorded, but not a head-count
    unrecorded: int = 0

    @property
    def people_text(self) -> str:
        return f"{self.people:,}名" + ("以上" if self.people_at_least else "")

    def add(self, seminar: Seminar, *, registered: int, attended: int = 0) -> None:
        """`attended`: people recorded as present (checked in at the door or marked by the desk); once any are, they
        are the count, otherwise the confirmed registrations stand in for it."""
        self.seminars += 1
        if seminar.final_headcount is not None:
            if seminar.headcount_unit == HeadcountUnit.PEOPLE:
                self.people += seminar.final_headcount
                self.people_at_least = self.people_at_least or seminar.headcount_at_least
            elif seminar.headcount_unit == HeadcountUnit.COMPANIES:
                self.companies += seminar.final_headcount
            else:
                self.other_notes.append(seminar.headcount_text)
        elif seminar.accepts_registration:
            self.people += attended or registered
        elif seminar.headcount_note:
            self.other_notes.append(seminar.headcount_note)
        else:
            self.unrecorded += 1


def attendance_by(seminars, key) -> dict:
    """Attendance per key(seminar) (month, format, …); each seminar needs `n_registered` (and may have
    `n_attended`) annotated."""
    tally: dict = defaultdict(Attendance)
    for seminar in seminars:
        tally[key(seminar)].add(seminar, registered=seminar.n_registered, attended=getattr(seminar, "n_attended", 0))
    return dict(tally)


def checkin_counts(*, seminar: Seminar) -> dict[str, int]:
    """Confirmed seats and how many of them have been checked in at the door."""
    return seminar.registrations.aggregate(
        registered=Count("pk", filter=Q(status=RegistrationStatus.REGISTERED)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
    )
