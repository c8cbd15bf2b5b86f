"""The server and worker processes run with the tuned garbage collector (core/gctuning.py)."""

import gc
import importlib.util
from pathlib import Path

import pytest
from celery.signals import worker_init, worker_process_init

from core import gctuning


@pytest.fixture
def restore_gc():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_tune_freezes_what_exists_and_raises_the_thresholds(restore_gc):
    gc.unfreeze()
    gctuning.tune()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == gctuning.THRESHOLDS


@pytest.mark.parametrize("signal", [worker_init, worker_process_init], ids=["worker", "pool-child"])
def test_the_celery_worker_tunes_its_collector_when_it_starts(restore_gc, signal):
    from config.celery import _tune_garbage_collector

    # Sending the signal would also run Celery's own Django receivers (they close the test's connections).
    assert _tune_garbage_collector in signal._live_receivers(None)
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    _tune_garbage_collector(sender=None)
    assert gc.get_threshold() == gctuning.THRESHOLDS and gc.get_freeze_count() > 0


def test_each_gunicorn_worker_tunes_its_collector_after_the_fork(restore_gc):
    path = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    conf.post_fork(server=None, worker=None)
    assert gc.get_threshold() == gctuning.THRESHOLDS and gc.get_freeze_count() > 0
