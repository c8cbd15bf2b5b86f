"""Row locks taken late, once, in one global order and with a short timeout (after pretix's `lock_objects`).

Every service that makes something scarcer locks all the rows it needs in ONE call of `lock_rows`: the rows are
sorted by (model label, primary key), so two transactions never wait for each other in opposite orders (no
deadlock), and `lock_timeout` is set for the current transaction only, so a request never hangs behind a stuck
one: it gets `LockTimeout` (an ApplicationError the caller can turn into its own message).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connection, models
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError

# PostgreSQL's SQLSTATE for "could not obtain lock" (lock_timeout reached).
LOCK_NOT_AVAILABLE = "55P03"


class LockTimeout(ApplicationError):
    def __init__(self) -> None:
        super().__init__(_("ただいま混み合っています。少し待ってからもう一度お試しください。"), code="lock_timeout")


def lock_timeout_seconds() -> float:
    return float(getattr(settings, "LOCK_TIMEOUT_SECONDS", 5))


def lock_rows(groups: Iterable[tuple[type[models.Model], Iterable[int]]], *, timeout: float | None = None) -> None:
    """Lock the given rows (model, primary keys) FOR UPDATE in (model label, pk) order, inside the caller's atomic."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_rows() must run inside transaction.atomic(): a lock outside one is released at once")
    wanted: dict[str, tuple[type[models.Model], set[int]]] = {}
    for model, pks in groups:
        label = model._meta.label_lower
        wanted.setdefault(label, (model, set()))[1].update(int(pk) for pk in pks if pk is not None)
    seconds = lock_timeout_seconds() if timeout is None else timeout
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # SET LOCAL: only this transaction; milliseconds as an integer keep the statement free of quoting.
                cursor.execute(f"SET LOCAL lock_timeout = {max(1, int(seconds * 1000))}")
        for label in sorted(wanted):
            model, pks = wanted[label]
            if pks:
                # ORDER BY pk: PostgreSQL locks the rows in the order it returns them.
                list(model._base_manager.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))
    except DatabaseError as exc:
        if getattr(getattr(exc, "__cause__", None), "pgcode", None) == LOCK_NOT_AVAILABLE:
            raise LockTimeout() from exc
        raise


def is_lock_timeout(exc: BaseException) -> bool:
    """True for a lock_timeout raised by a later statement of a transaction that called lock_rows."""
    return getattr(getattr(exc, "__cause__", None), "pgcode", None) == LOCK_NOT_AVAILABLE
