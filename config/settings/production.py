"""Production: differs from base only through environment variables; refuses to start without a secret."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: ImproperlyConfigured when unset
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# A cut network path to PostgreSQL answers 503 within seconds instead of holding gunicorn workers.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DJANGO_DB_CONNECT_TIMEOUT", default=5)
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True

EMAIL_CONFIG = env.email_url("DJANGO_EMAIL_URL", default="smtp://localhost:25")
vars().update(EMAIL_CONFIG)

# Error reports (Sentry) only with a DSN: without SENTRY_DSN nothing is initialised and nothing leaves the server.
from core.observability import sentry_init  # noqa: E402

sentry_init(
    dsn=env("SENTRY_DSN", default=""),
    release=SENTRY_RELEASE,  # noqa: F405
    environment=SENTRY_ENVIRONMENT,  # noqa: F405
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,  # noqa: F405
)
