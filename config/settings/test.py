"""Tests: the real PostgreSQL and Redis on localhost (DATABASE_URL / REDIS_URL override), never SQLite."""

import hashlib

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
# The tests' own app: its `flush` command puts the migrated rows back after a transactional test (tests/dbsnapshot.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.apps.TestsConfig"]  # noqa: F405
SECRET_KEY = "test-only-key-not-used-anywhere-else-0b6c2f8d4e"

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/postgres")}
# Each checkout has its own test databases (and so its own Redis namespace and Celery queue): two `make test` runs
# from two clones may share one server.
_CHECKOUT = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", default=f"test_cnportal_{_CHECKOUT}")}
# tests/migrated_template.py runs `migrate` once into the template of the test databases under these settings.
if env("MIGRATED_TEMPLATE_BUILD", default=""):
    DATABASES["default"]["NAME"] = env("MIGRATED_TEMPLATE_BUILD")
# A test database is thrown away: its commits need not wait for the disk (the server's other databases still do).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"

# Under pytest-xdist each worker has its own database (pytest-django adds the worker id to its name); its cache
# keys and Celery queue get the worker id too, so that two workers never clean or consume each other's.
_WORKER = env("PYTEST_XDIST_WORKER", default="")
_NAMESPACE = "test-" + DATABASES["default"]["TEST"]["NAME"] + (f"_{_WORKER}" if _WORKER else "")

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = _NAMESPACE
CACHES = {
    "default": {
        "BACKEND": "core.cache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": _NAMESPACE,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests never run collectstatic: serve the app's static files from the finders instead of a staticfiles/ folder.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
