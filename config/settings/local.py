"""Development: runs with no configuration at all (SQLite file, in-process tasks, mail on the console)."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = True
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret-7f3c1e9a2b")

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}

# Without a configured Redis, tasks run in-process and the cache lives in memory; the app says so on start.
if env("REDIS_URL", default=""):
    REDIS_URL = env("REDIS_URL")
    CELERY_BROKER_URL = REDIS_URL
    CACHES = {"default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": REDIS_URL}}
    CELERY_TASK_ALWAYS_EAGER = False
else:
    REDIS_URL = ""
    CELERY_BROKER_URL = "memory://"
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = False

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Mails go to files in tmp/mail/ (one .log file per process run), not over the demo accounts on the console:
# `make run MAIL=console` (DJANGO_EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend) prints them instead.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / "tmp" / "mail"))

# A terminal, not a log collector: plain lines, warnings and errors only (the development server still prints one
# line per request). DJANGO_LOG_LEVEL=INFO and DJANGO_LOG_FORMAT=json give what production logs.
LOGGING["root"]["level"] = env("DJANGO_LOG_LEVEL", default="WARNING")  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = env("DJANGO_LOG_FORMAT", default="text")  # noqa: F405
# kombu warns on every task that the in-memory broker has no host name: true, and nothing to act on.
LOGGING["loggers"]["kombu"] = {"level": "ERROR"}  # noqa: F405

# The embedded SQLite database cannot build the one "nulls not distinct" unique constraint (sharing.Share); PostgreSQL,
# which tests and production use, enforces it. Say so here once instead of on every start-up.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
