"""Queue Celery tasks without ever failing the caller: the database row is the record, the message only a nudge.

A write that committed is reported as a success even when Redis is down. The failed enqueue is logged, and the beat
sweeps (mail outbox, self-check PDFs) find the row by its state and lease and queue it again.
"""

import logging
import threading
from functools import partial

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


_discovery = threading.Lock()


def task_named(name: str):
    """An app's Celery task by its registered name. A service names its own app's task instead of importing it: the
    tasks module is an entry point that calls the services (like a view), so importing it back would be a circle.
    A web process has not run Celery's autodiscovery (config/celery.py) yet: the first lookup runs it, once, while
    the other threads of the process wait for it (a thread that looked while another was half-way through the
    imports found the task missing)."""
    if name not in current_app.tasks:
        with _discovery:
            if name not in current_app.tasks:
                current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue(task, *args, countdown: float | None = None, **kwargs) -> bool:
    """Publish a task (or a task's registered name) now; False (and a log line) when the broker cannot be reached."""
    if isinstance(task, str):
        task = task_named(task)
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
    except Exception:
        logger.warning("could not queue %s%r; the sweep will queue it again", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish a task (or a task's registered name) once the current transaction commits; never raises into the
    request."""
    if isinstance(task, str):
        task = task_named(task)
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))
