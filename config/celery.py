"""The Celery application: configured from Django settings (CELERY_* names), tasks found per app."""

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect  # each child of the prefork pool
@worker_init.connect  # the worker itself (the solo and threads pools run tasks there)
def _tune_garbage_collector(**kwargs) -> None:
    from core import gctuning

    gctuning.tune()
