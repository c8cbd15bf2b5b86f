"""Queue Celery tasks without ever failing the caller: the database row is the record, the message only a nudge.

A write that committed is reported as a success even when Redis is down. The failed enqueue is logged, and the beat
sweeps (mail outbox, self-check PDFs) find the row by its state and lease and queue it again.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, countdown: float | None = None, **kwargs) -> bool:
    """Publish a task now; False (and a log line) when the broker cannot be reached."""
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
    except Exception:
        logger.warning("could not queue %s%r; the sweep will queue it again", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish a task once the current transaction commits; never raises into the request."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
