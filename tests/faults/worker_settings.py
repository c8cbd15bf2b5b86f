"""Settings of the Celery worker subprocess the fault tests start: the test settings on the test's own database,
Redis and SMTP sink, plus the scenario's overrides (short leases and countdowns) as JSON."""

import json
import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

DATABASES["default"]["NAME"] = os.environ["FAULTS_DB_NAME"]
REDIS_URL = CELERY_BROKER_URL = os.environ["FAULTS_BROKER_URL"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["FAULTS_QUEUE"]
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["FAULTS_SMTP_PORT"])
globals().update(json.loads(os.environ.get("FAULTS_SETTINGS", "{}")))
