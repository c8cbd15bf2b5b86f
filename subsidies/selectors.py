"""Reads of the catalogue: the finder, a measure's page, action plans. Each runs a fixed number of queries."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.cache import cached
from core.choices import Industry, Prefecture, Region, prefecture_order, prefectures_in
from core.errors import ApplicationError
from core.forms import normalise_number
from core.jst import JST, jst_date, jst_today

from . import ordering
from .amounts import Cap, Estimate, TrackRules, track_estimate
from .models import (
    CATALOGUE_VERSION,
    EMPLOYEE_LIMIT_MAX,
    ActionPlan,
    Activity,
    ApplicationRound,
    Follow,
    Measure,
    Step,
    Track,
    TrackCap,
)

STALE_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class FinderFilters:
    employees: int | None = None
    prefecture: str = ""
    industry: str = ""
    step: str = ""
    q: str = ""
    open_only: bool = False
    investment_yen: int | None = None
    capital_yen: int | None = None
    include_past: bool = False  # past schemes (Measure.ended) are left out unless asked for


def _int_or_error(raw, *, name: str, label: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(normalise_number(str(raw)))
    except (TypeError, ValueError):
        raise ApplicationError(_("%(label)sは整数で入力してください。") % {"label": label}, field=name) from None
    if value < 0:
        raise ApplicationError(_("%(label)sは0以上で入力してください。") % {"label": label}, field=name)
    return value


def finder_filters_parse(data) -> FinderFilters:
    """Check GET parameters (views and API alike); raise ApplicationError naming the field at fault."""
    prefecture = (data.get("prefecture") or "").strip()
    if prefecture and prefecture not in Prefecture.values:
        raise ApplicationError(_("都道府県の指定が正しくありません。"), field="prefecture")
    industry = (data.get("industry") or "").strip()
    if industry and industry not in Industry.values:
        raise ApplicationError(_("業種の指定が正しくありません。"), field="industry")
    step = (data.get("step") or "").strip()
    if step and step not in Step.values:
        raise ApplicationError(_("ステップの指定が正しくありません。"), field="step")
    open_raw = str(data.get("open") or "").lower()
    past_raw = str(data.get("past") or "").lower()
    return FinderFilters(
        employees=_int_or_error(data.get("employees"), name="employees", label=_("従業員数")),
        prefecture=prefecture,
        industry=industry,
        step=step,
        q=(data.get("q") or "").strip()[:100],
        open_only=open_raw in ("1", "true", "on", "yes"),
        investment_yen=_int_or_error(data.get("investment"), name="investment", label=_("投資予定額")),
        capital_yen=_int_or_error(data.get("capital"), name="capital", label=_("資本金")),
        include_past=past_raw in ("1", "true", "on", "yes"),
    )


@dataclass
class TrackAmount:
    track: Track
    estimate: Estimate

    @property
    def max_amount_yen(self) -> int | None:
        return self.estimate.max_amount_yen

    @property
    def subsidy_yen(self) -> int | None:
        return self.estimate.subsidy_yen

    @property
    def eligible(self) -> bool | None:
        return self.estimate.eligible


@dataclass
class MeasureCard:
    measure: Measure
    rounds: list[ApplicationRound]
    current_round: ApplicationRound | None
    next_round: ApplicationRound | None
    status: str  # "open", "upcoming", "closed", "none"
    days_left: int | None
    check_state: str  # "current", "stale" (last check over a year ago) or "unchecked" (never checked by staff)
    tracks: list[TrackAmount] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def ended(self) -> bool:
        return self.measure.ended

    @property
    def demo_shown(self) -> bool:
        """The round the card shows (open, else upcoming) is a fictional demo round: the card says so."""
        shown = self.current_round or self.next_round
        return bool(shown and shown.is_demo) or any(r.is_demo for r in self.rounds)

    @property
    def stale(self) -> bool:
        """Not checked by staff within a year (or never): staff are asked to check, users are told."""
        return self.check_state != "current"

    @property
    def eligible_tracks(self) -> list[TrackAmount]:
        return [t for t in self.tracks if t.eligible is not False]

    @property
    def ineligible_track_names(self) -> list[str]:
        return [t.track.name for t in self.tracks if t.eligible is False]


def track_rules(track: Track) -> TrackRules:
    """A track's rate, minimum, caps and eligibility as plain data (from its prefetched caps)."""
    return TrackRules(
        rate_numerator=track.rate_numerator,
        rate_denominator=track.rate_denominator,
        min_amount_yen=track.min_amount_yen,
        caps=tuple(Cap(c.min_employees, c.max_employees, c.max_amount_yen) for c in _caps(track)),
        eligible_min_employees=track.eligible_min_employees,
        eligible_max_employees=track.eligible_max_employees,
    )


def _caps(track: Track) -> list[TrackCap]:
    return track.finder_caps if hasattr(track, "finder_caps") else list(track.caps.all())


def check_state(last_checked: date | None, *, today: date) -> str:
    if last_checked is None:
        return "unchecked"
    return "stale" if last_checked < today - STALE_AFTER else "current"


def days_left(end: datetime, *, now: datetime) -> int:
    """Whole calendar days (Japan time) from today to the closing day: 0 means it closes today."""
    return (jst_date(end) - jst_date(now)).days


def measure_card(measure: Measure, *, filters: FinderFilters | None = None, now: datetime | None = None) -> MeasureCard:
    now = now or timezone.now()
    rounds = measure.finder_rounds if hasattr(measure, "finder_rounds") else list(measure.rounds.all())
    current = next((r for r in rounds if r.acceptance_start_datetime <= now < r.acceptance_end_datetime), None)
    upcoming = next((r for r in rounds if r.acceptance_start_datetime > now), None)
    if current:
        status = "open"
    elif upcoming:
        status = "upcoming"
    elif rounds:
        status = "closed"
    else:
        status = "none"
    card = MeasureCard(
        measure=measure,
        rounds=rounds,
        current_round=current,
        next_round=upcoming,
        status=status,
        days_left=days_left(current.acceptance_end_datetime, now=now) if current else None,
        check_state=check_state(measure.last_checked, today=jst_date(now)),
    )
    employees = filters.employees if filters else None
    investment = filters.investment_yen if filters else None
    for track in measure.finder_tracks if hasattr(measure, "finder_tracks") else measure.tracks.all():
        estimate = track_estimate(track_rules(track), employees=employees, investment_yen=investment)
        card.tracks.append(TrackAmount(track=track, estimate=estimate))
    return card


def _with_related(qs: QuerySet) -> QuerySet:
    # Explicit orders within one measure (and track): the models' default orders would join the parent tables.
    caps = Prefetch("caps", queryset=TrackCap.objects.order_by("min_employees"))
    return qs.prefetch_related(
        Prefetch("tracks", queryset=Track.objects.order_by("position", "pk").prefetch_related(caps)),
        Prefetch("rounds", queryset=ApplicationRound.objects.order_by("acceptance_start_datetime")),
    )


def _with_related_lists(qs: QuerySet) -> QuerySet:
    """The same three prefetches as _with_related into plain lists (`finder_tracks`, `finder_caps`,
    `finder_rounds`, which measure_card and track_rules read): Django then builds no queryset per measure and per
    track, which cost more than the rest of a finder card."""
    caps = Prefetch("caps", queryset=TrackCap.objects.order_by("min_employees"), to_attr="finder_caps")
    return qs.prefetch_related(
        Prefetch(
            "tracks",
            queryset=Track.objects.order_by("position", "pk").prefetch_related(caps),
            to_attr="finder_tracks",
        ),
        Prefetch(
            "rounds", queryset=ApplicationRound.objects.order_by("acceptance_start_datetime"), to_attr="finder_rounds"
        ),
    )


def measure_queryset(filters: FinderFilters) -> QuerySet:
    """The measures that fit the filters, filtered in the database (no join: no duplicates to remove)."""
    qs = Measure.objects.all()
    if not filters.include_past:
        qs = qs.filter(ended=False)
    if filters.step:
        qs = qs.filter(step=filters.step)
    if filters.prefecture:
        qs = qs.filter(Q(target_area_search="") | Q(target_area_search__contains=f",{filters.prefecture},"))
    if filters.industry:
        qs = qs.filter(Q(industry="") | Q(industry__contains=f",{filters.industry},"))
    if filters.employees is not None:
        allowed = ["従業員数の制約なし"] + [
            limit for limit, top in EMPLOYEE_LIMIT_MAX.items() if filters.employees <= top
        ]
        if filters.employees >= 901:
            allowed.append("901名以上")
        qs = qs.filter(target_number_of_employees__in=allowed)
    if filters.capital_yen is not None:
        qs = qs.filter(Q(max_capital_yen__isnull=True) | Q(max_capital_yen__gte=filters.capital_yen))
    for word in filters.q.split():
        # Substring match (づくり finds ものづくり); on PostgreSQL each of these expressions has a trigram index.
        in_measure = Measure.objects.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(use_purpose__icontains=word)
            | Q(administering_body__icontains=word)
        ).values("pk")
        in_track = Track.objects.filter(name__icontains=word).values("measure_id")
        qs = qs.filter(Q(pk__in=in_measure) | Q(pk__in=in_track))
    if filters.open_only:
        qs = qs.filter(order_rank=ordering.OPEN)
    return qs


def finder_queryset(filters: FinderFilters, *, now: datetime | None = None) -> QuerySet:
    """The finder's results in its order: open windows first (soonest deadline first), then upcoming, then the rest.

    The order is kept on the rows (subsidies.ordering: at each write, and by the beat task subsidies_order_refresh
    once a round opens or closes), so that the database sorts through the index subsidies_measure_finder_order and a
    page costs the same whatever the catalogue size. Reading writes nothing."""
    return measure_queryset(filters).order_by(
        "ended", "order_rank", F("order_deadline").asc(nulls_last=True), "step", "name", "pk"
    )


def measure_find(*, filters: FinderFilters, now: datetime | None = None) -> list[MeasureCard]:
    """Every measure that fits the filters, in the finder's order (feeds and tests; pages use measure_page)."""
    now = now or timezone.now()
    measures = _with_related_lists(finder_queryset(filters, now=now))
    return [measure_card(m, filters=filters, now=now) for m in measures]


PER_PAGE = 20
MAX_PER_PAGE = 100


@dataclass
class FinderPage:
    cards: list[MeasureCard]
    count: int
    number: int
    per_page: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.cards else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.cards) - 1 if self.cards else 0


FINDER_MAX_AGE = 60  # seconds a browser may reuse a finder page or API answer (then a 304 when unchanged)


def finder_changes_at(*, now: datetime | None = None) -> datetime:
    """When the finder's answers change with time alone: days left, at midnight in Japan (a round opening or
    closing moves the order through the beat task, which bumps the version)."""
    return datetime.combine(jst_date(now or timezone.now()) + timedelta(days=1), time(0), tzinfo=JST)


def measure_changes_at(card: MeasureCard, *, now: datetime) -> datetime:
    """When a measure's page changes with time alone (`card` made at `now`): the next start or end of one of its
    rounds (open, upcoming, closed are computed as it is read), and midnight in Japan (the days left to a deadline,
    a year since staff last checked it). A moment equal to `now` counts: that page must not be reused past it."""
    moments = [finder_changes_at(now=now)]
    for round_ in card.rounds:
        moments += [m for m in (round_.acceptance_start_datetime, round_.acceptance_end_datetime) if m >= now]
    return min(moments)


def _count(filters: FinderFilters, qs: QuerySet) -> int:
    """How many measures fit the filters, kept in Redis per catalogue version (CATALOGUE_VERSION) and filters: the one
    query of a finder page whose cost grows with the catalogue. Uncached when Redis is unreachable."""
    return cached(f"finder-count:{_digest(filters)}", (CATALOGUE_VERSION,), qs.count)


def _digest(value) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=12).hexdigest()


def measure_page(
    *,
    filters: FinderFilters,
    page: int = 1,
    per_page: int = PER_PAGE,
    clamp: bool = True,
    now: datetime | None = None,
) -> FinderPage:
    """One page of the finder's results and their total: six queries whatever the catalogue size (five once the
    total is memoized, see _count). A page past the end is the last page (`clamp`, for people) or empty (for API
    clients that page until nothing comes back)."""
    now = now or timezone.now()
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    qs = finder_queryset(filters, now=now)
    count = _count(filters, qs)
    number = max(1, min(page, -(-count // per_page)) if clamp else page)
    offset = (number - 1) * per_page
    measures = _with_related_lists(qs[offset : offset + per_page])
    return FinderPage(
        cards=[measure_card(m, filters=filters, now=now) for m in measures],
        count=count,
        number=number,
        per_page=per_page,
    )


def measure_get(*, pk: int) -> Measure:
    return _with_related(Measure.objects.all()).get(pk=pk)


def measure_stale_list(*, today: date | None = None) -> QuerySet:
    """Measures no staff member has checked within a year, never-checked ones first."""
    today = today or jst_today()
    return (
        Measure.objects.filter(Q(last_checked__isnull=True) | Q(last_checked__lt=today - STALE_AFTER))
        .select_related("last_checked_by")
        .order_by(F("last_checked").asc(nulls_first=True), "name")
    )


def follow_list(*, user) -> QuerySet:
    return Follow.objects.filter(user=user).select_related("measure").order_by("-created_at")


def user_follows_measure(*, user, measure: Measure) -> bool:
    return user.is_authenticated and Follow.objects.filter(user=user, measure=measure).exists()


def action_plan_search(*, region: str = "", prefecture: str = "", activity: str = "", q: str = "") -> QuerySet:
    if region and region not in Region.values:
        raise ApplicationError(_("地域の指定が正しくありません。"), field="region")
    if prefecture and prefecture not in Prefecture.values:
        raise ApplicationError(_("都道府県の指定が正しくありません。"), field="prefecture")
    if activity and activity not in Activity.values:
        raise ApplicationError(_("支援内容の指定が正しくありません。"), field="activity")
    qs = ActionPlan.objects.select_related("institution").order_by(
        prefecture_order("prefecture"), "area", "institution_name"
    )
    if region:
        qs = qs.filter(prefecture__in=prefectures_in(region))
    if prefecture:
        qs = qs.filter(prefecture=prefecture)
    if activity:
        qs = qs.filter(activities__contains=f",{activity},")
    if q:
        qs = qs.filter(Q(institution_name__icontains=q) | Q(title__icontains=q) | Q(summary__icontains=q))
    return qs
