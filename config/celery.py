"""The Celery application: configured from Django settings (CELERY_* names), tasks found per app."""

import os

from celery import Celery

from core.observability import celery_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each task's log lines carry the request id of the request (or task) that queued it, sent in the message headers.
celery_connect(app)
