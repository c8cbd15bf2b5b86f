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
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

# The embedded SQLite database cannot build the one "nulls not distinct" unique constraint (sharing.Share); PostgreSQL,
# which tests and production use, enforces it. Say so here once instead of on every start-up.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
