"""Settings of `make bench`: the production settings (DEBUG off, persistent connections) on a throw-away
PostgreSQL database, the shared Redis under a key prefix of its own, and a URLconf with the bare baseline view."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-never-used-elsewhere-5d1c0f")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")  # plain HTTP on 127.0.0.1
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

from config.settings.production import *  # noqa: E402, F403
from config.settings.production import DATABASES, REDIS_URL, env  # noqa: E402

BENCH_DB_NAME = env("BENCH_DB_NAME", default="bench_cnportal")
DATABASES["default"]["NAME"] = BENCH_DB_NAME
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
CACHES = {
    "default": {
        "BACKEND": "core.cache.FallbackRedisCache",  # as in production
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"bench-{BENCH_DB_NAME}",
    }
}
# Seeding renders the report PDF in-process; nothing is queued on the shared Redis, no mail leaves the machine.
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = os.path.join(tempfile.gettempdir(), f"{BENCH_DB_NAME}-static")  # empty: WhiteNoise serves finders
os.makedirs(STATIC_ROOT, exist_ok=True)
PRIVATE_MEDIA_ROOT = os.path.join(tempfile.gettempdir(), f"{BENCH_DB_NAME}-private")
LOGGING = {"version": 1, "disable_existing_loggers": True}
