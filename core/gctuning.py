"""Garbage-collector settings of the long-lived server and worker processes.

A web worker or a Celery worker imports Django, the apps, WeasyPrint and their fonts once, and then keeps several
hundred thousand objects for its whole life. With CPython's default thresholds every full collection walks them
all again, and a PDF render (a few hundred thousand short-lived layout objects) set off about one full collection
every two renders. `gc.freeze()` moves what exists after start-up out of the collector's sight, and larger
thresholds collect the young objects less often. Cyclic garbage is still collected; RSS after 500 renders is one
of the figures of `make bench`.

Called by gunicorn (gunicorn.conf.py, in each worker after the fork) and by the Celery worker (config/celery.py);
bench/pdf.py calls it as the worker does.
"""

import gc

THRESHOLDS = (20_000, 50, 100)


def tune() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
