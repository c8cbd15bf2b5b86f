"""Where the finder lists each measure, kept on the measure row so that the database can order and page the whole
catalogue through one index (subsidies_measure_finder_order) instead of Python sorting every measure.

The order depends on the rounds and on the time now: open first (soonest deadline first), then upcoming, then no
round known, then closed. Each row stores its rank, the current round's end and the interval in which these hold:
from the last moment one of its rounds opened or closed (`order_valid_from`) to the next (`order_valid_until`).
A saved or deleted round recomputes its measure at once (signal in subsidies.apps); the beat task
subsidies_order_refresh recomputes every minute the rows whose interval does not hold any more (`refresh_due`: one
indexed query when none, the usual case), so the order is the order `selectors.measure_card` gives within a minute of
a round opening or closing, and reading the finder writes nothing. Writes that bypass signals (bulk_create, update)
call `refresh` or `mark_due` themselves.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.cache import bump

from .models import CATALOGUE_VERSION, ORDER_DUE, ApplicationRound, Measure

OPEN, UPCOMING, NO_ROUND, CLOSED = 0, 1, 2, 3


def order_key(rounds: list[tuple[datetime, datetime]], *, now: datetime) -> tuple:
    """(rank, deadline, valid from, valid until) of a measure whose rounds are (start, end) pairs sorted by start;
    the same rules as selectors.measure_card: the current round is the first open one."""
    current = next(((s, e) for s, e in rounds if s <= now < e), None)
    if current:
        rank = OPEN
    elif any(s > now for s, _e in rounds):
        rank = UPCOMING
    else:
        rank = CLOSED if rounds else NO_ROUND
    moments = [t for s, e in rounds for t in (s, e)]
    past = [t for t in moments if t <= now]
    future = [t for t in moments if t > now]
    return rank, current[1] if current else None, max(past) if past else None, min(future) if future else None


def refresh(*, measure_ids: Iterable[int], now: datetime | None = None) -> int:
    """Recompute the order of these measures from their rounds (without touching updated_at: feeds use it)."""
    now = now or timezone.now()
    ids = list(measure_ids)
    rounds: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for measure_id, start, end in (
        ApplicationRound.objects.filter(measure_id__in=ids)
        .order_by("measure_id", "acceptance_start_datetime")
        .values_list("measure_id", "acceptance_start_datetime", "acceptance_end_datetime")
    ):
        rounds[measure_id].append((start, end))
    rows = []
    for measure_id in ids:
        rank, deadline, since, until = order_key(rounds[measure_id], now=now)
        rows.append(
            Measure(
                pk=measure_id,
                order_rank=rank,
                order_deadline=deadline,
                order_valid_from=since,
                order_valid_until=until,
            )
        )
    fields = ["order_rank", "order_deadline", "order_valid_from", "order_valid_until"]
    Measure.objects.bulk_update(rows, fields, batch_size=500)
    bump(CATALOGUE_VERSION)  # bulk_update sends no signal; "open only" counts follow the rank
    return len(rows)


def _due(now: datetime) -> Q:
    return Q(order_valid_until__lte=now) | Q(order_valid_from__gt=now)


def refresh_due(*, now: datetime | None = None) -> int:
    """Bring every row whose order does not hold now up to date; one indexed query when all hold (the usual case)."""
    now = now or timezone.now()
    if not Measure.objects.filter(_due(now)).exists():
        return 0
    with transaction.atomic():
        # Rows another request is refreshing right now are left to it.
        due = list(Measure.objects.select_for_update(skip_locked=True).filter(_due(now)).values_list("pk", flat=True))
        return refresh(measure_ids=due, now=now) if due else 0


def mark_due(*, measure_ids: Iterable[int]) -> None:
    Measure.objects.filter(pk__in=list(measure_ids)).update(order_valid_until=ORDER_DUE)
