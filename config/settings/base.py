"""Settings shared by every environment. Values come from the environment (django-environ)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "core.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "simple_history",
    "django_prometheus",
    "core",
    "accounts",
    "consultations",
    "selfcheck",
    "seminars",
    "subsidies",
    "matching",
    "dispatch",
    "sharing",
    "advisors",
    "institutions",
]

MIDDLEWARE = [
    # First and last: the request id for every log line of the request, and the request's count and latency.
    "core.observability.RequestIdMiddleware",
    # The probes answer before the HTTPS redirect and the host check (Docker and Prometheus call them in-network).
    "core.observability.ProbeMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files stay cacheable), above everything else: every private answer, error pages
    # included, leaves as `Cache-Control: private, no-store` (core.cachecontrol says the rule and its markers).
    "core.cachecontrol.PrivateCacheMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "core.cache.RequestVersionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Below authentication (a refusal page still shows who is signed in), before any view or CSRF check reads a body.
    "core.middleware.BadInputMiddleware",
    # The audit trail records who made each change (django-simple-history reads the request's user).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A desk member or expert without an authenticator app is sent to set one up (core.desk).
    "core.desk.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
            # `ldate`: dates written as the page's language writes them.
            "builtins": ["core.templatetags.localdates"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/cnportal")}
# While PostgreSQL is unreachable, pages answer 503 with this Retry-After (core.views.server_error).
DATABASE_UNAVAILABLE_RETRY_AFTER = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"

# django-allauth: e-mail only, verified before first log-in, rate limits on (they need the shared cache).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.signup.SignupNameForm"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
# The portal's own name in every account mail's subject (a public agency's mail must not read like phishing).
ACCOUNT_EMAIL_SUBJECT_PREFIX = "【中小企業カーボンニュートラル支援ポータル】"
# Password changed or set, address changed, second factor added or removed: the person hears of it (templates in
# templates/account/email and templates/mfa/email, in the portal's voice).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# No 「ログインしたままにする」 box: the log-in form is e-mail, password, button (Tab order, issue 29); a session
# ends when the browser closes, the safer choice on the shared computers of offices and chambers.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/180s/key",
}
# Behind a reverse proxy every request comes from the proxy's address, so one visitor's failed logins would lock
# out everyone: allauth then takes the client address from X-Forwarded-For, counting this many trusted proxies
# from the right (the entries further left can be forged by the client). 0 (no proxy): REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# Staff use a second factor: an authenticator app (TOTP) with recovery codes; the admin refuses staff without it.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CN支援ポータル"
SITE_ID = 1

# Audit trail (django-simple-history): history pages never offer "revert", which would write past the services.
SIMPLE_HISTORY_REVERT_DISABLED = True

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded and generated files are private: they are served only through views that check permission.
PRIVATE_MEDIA_ROOT = Path(env("DJANGO_PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# The cache holds the log-in rate limits. While Redis is unreachable, core.cache falls back to a per-process
# memory cache (limits still apply, counted per web process) instead of failing the request.
CACHE_FALLBACK_SECONDS = 15
CACHES = {
    "default": {
        "BACKEND": "core.cache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cnportal",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

# Celery: Redis as broker; tasks take primary keys and own their retries. State lives in PostgreSQL (outbox rows,
# sheet PDF status with a lease), so a lost message is re-queued by a beat sweep, never lost.
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A worker process killed mid-task (OOM, kill -9 of a pool process) puts its message back on the queue.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Every task is bounded: the soft limit raises inside the task (it records the failure), the hard one kills it.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# Publishing from a web request gives up quickly when Redis is down; the caller logs it and a sweep re-queues.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_ALWAYS_EAGER = False

# --- mail outbox (core.mail) ---
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=20)
# A failing mail is retried with exponential back-off (1 min, 2 min, ... at most 1 h apart) for 3 days, then it is
# marked failed, shown in the admin and in the desk's daily digest.
OUTBOX_RETRY_BASE_SECONDS = 60
OUTBOX_RETRY_MAX_SECONDS = 3600
OUTBOX_RETRY_WINDOW_HOURS = 72
# How long a queued message may wait for a worker, and how long one send may take, before the sweep (every minute)
# takes over. A message that could not be queued at all (Redis down) makes its row due at once instead, so it leaves
# with the first sweep after Redis is back. A message still waiting when its lease expires is superseded (the row
# gets a new token), never doubled: only the holder of the row's token sends.
OUTBOX_QUEUE_LEASE_SECONDS = 120
OUTBOX_SEND_SOFT_TIME_LIMIT = 60
OUTBOX_SEND_TIME_LIMIT = 90
OUTBOX_SEND_LEASE_SECONDS = 120
OUTBOX_DIGEST_HOUR = 9

# Above the longest countdown (OUTBOX_RETRY_MAX_SECONDS) plus the longest task, so that Redis never redelivers a
# waiting message early. A message lost with a killed worker comes back after this time, but the beat sweeps
# re-queue its work long before (leases of minutes), and the late copy finds its lease taken and does nothing.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": OUTBOX_RETRY_MAX_SECONDS + 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
# Retention periods stated in the privacy notice and enforced by core.retention (daily beat task).
MAIL_BODY_RETENTION_DAYS = env.int("DJANGO_MAIL_BODY_RETENTION_DAYS", default=90)
MAIL_RECORD_RETENTION_DAYS = env.int("DJANGO_MAIL_RECORD_RETENTION_DAYS", default=365)
CELERY_BEAT_SCHEDULE = {
    "mail-outbox-sweep": {
        "task": "core.tasks.outbox_sweep",
        "schedule": crontab(minute="*"),
    },
    "mail-outbox-failed-digest": {
        "task": "core.tasks.outbox_failed_digest",
        "schedule": crontab(minute=0, hour=OUTBOX_DIGEST_HOUR),
    },
    # the retention periods the privacy notice states (core.retention), at 3:30 JST
    "retention-enforce": {
        "task": "core.tasks.retention_enforce",
        "schedule": crontab(minute=30, hour=3),
    },
    # seminars
    "seminar-reminders": {
        "task": "seminars.tasks.seminar_reminders_send",
        "schedule": crontab(minute="*/5"),
    },
}
# subsidies: mail followers when a round opens and a week before it closes (exactly once via the outbox keys)
CELERY_BEAT_SCHEDULE["subsidies-round-notices"] = {
    "task": "subsidies.tasks.subsidies_round_notices",
    "schedule": crontab(minute=15, hour="*/3"),
}
# subsidies: the finder's order follows a round opening or closing within a minute (reading the finder writes nothing)
CELERY_BEAT_SCHEDULE["subsidies-order-refresh"] = {
    "task": "subsidies.tasks.subsidies_order_refresh",
    "schedule": crontab(minute="*"),
}

# --- selfcheck PDFs ---
SELFCHECK_PDF_SOFT_TIME_LIMIT = 90
SELFCHECK_PDF_TIME_LIMIT = 120
# A sheet queued or rendering for longer than this (above the hard time limit) is queued again by the beat job
# below, and its page offers 「作り直す」.
SELFCHECK_PDF_LEASE_SECONDS = 180
SELFCHECK_PDF_MAX_ATTEMPTS = 6
CELERY_BEAT_SCHEDULE["selfcheck-pdf-requeue-stale"] = {
    "task": "selfcheck.tasks.sheets_pdf_requeue_stale",
    "schedule": crontab(minute="*"),
}
# Daily, but it sends only in April (JST) and once per company and year (the outbox key): a day the beat misses is
# caught up the next day.
CELERY_BEAT_SCHEDULE["selfcheck-new-year-invitations"] = {
    "task": "selfcheck.tasks.sheets_invite_new_year",
    "schedule": crontab(minute=30, hour=9),
}

# dispatch: deliverables whose render message was lost (Redis down at save time, a killed worker) are queued again
CELERY_BEAT_SCHEDULE["dispatch-deliverables-sweep"] = {
    "task": "dispatch.tasks.sweep_deliverables",
    "schedule": crontab(minute="*/5"),
}

# --- consultations ---
CONSULTATIONS_NOTICE_HOURS = env.int("CONSULTATIONS_NOTICE_HOURS", default=24)
CONSULTATIONS_HORIZON_WEEKS = env.int("CONSULTATIONS_HORIZON_WEEKS", default=8)
CONSULTATIONS_MAX_FUTURE_BOOKINGS = env.int("CONSULTATIONS_MAX_FUTURE_BOOKINGS", default=2)
CONSULTATIONS_CANCEL_CUTOFF_HOURS = env.int("CONSULTATIONS_CANCEL_CUTOFF_HOURS", default=24)
CONSULTATIONS_REMINDER_HOUR = env.int("CONSULTATIONS_REMINDER_HOUR", default=10)
CELERY_BEAT_SCHEDULE["consultations-reminders"] = {
    "task": "consultations.tasks.consultations_send_reminders",
    "schedule": crontab(hour=CONSULTATIONS_REMINDER_HOUR, minute=0),
}
CONSULTATIONS_HOLD_MINUTES = env.int("CONSULTATIONS_HOLD_MINUTES", default=30)
CELERY_BEAT_SCHEDULE["consultations-release-holds"] = {
    "task": "consultations.tasks.consultations_release_holds",
    "schedule": crontab(minute="*"),
}
# --- end consultations ---

# --- matching ---
MATCHING_ATTACHMENT_MAX_BYTES = env.int("MATCHING_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
MATCHING_ATTACHMENTS_PER_PROPOSAL = env.int("MATCHING_ATTACHMENTS_PER_PROPOSAL", default=5)
# Routes that take files raise the body limit for their own multipart bodies (core.middleware.accepts_uploads); a
# body above a route's limit but under this one is read without its files so the page can show what was typed.
REQUEST_BODY_HARD_LIMIT = env.int("DJANGO_REQUEST_BODY_HARD_LIMIT", default=64 * 1024 * 1024)
# The weekly digest of new needs for followed themes: Monday 8:00 JST, once per user and week (outbox key).
CELERY_BEAT_SCHEDULE["matching-weekly-digest"] = {
    "task": "matching.tasks.matching_weekly_digest",
    "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
}
# --- end matching ---

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="CN支援ポータル <no-reply@cn-portal.example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the consultation and seminar desks receive their notices.
DESK_EMAIL = env("DJANGO_DESK_EMAIL", default="cn-desk@cn-portal.example.jp")
SITE_URL = env("DJANGO_SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = _("中小企業カーボンニュートラル支援ポータル")

# The operator named in the privacy notice and the terms (core.site.operator). Each is set by an environment variable
# in production; any left at its default makes the pages say that the operator's details are demo values.
OPERATOR_NAME = env("DJANGO_OPERATOR_NAME", default="独立行政法人 中小企業基盤整備機構（デモ）")
OPERATOR_ADDRESS = env("DJANGO_OPERATOR_ADDRESS", default="〒105-0000 東京都港区虎ノ門（デモのため所在地は架空です）")
OPERATOR_PHONE = env("DJANGO_OPERATOR_PHONE", default="03-0000-0000（デモ）")
OPERATOR_PRIVACY_EMAIL = env("DJANGO_OPERATOR_PRIVACY_EMAIL", default="privacy@cn-portal.example.jp")
OPERATOR_PRIVACY_OFFICER = env("DJANGO_OPERATOR_PRIVACY_OFFICER", default="個人情報保護管理者（デモ）")
# The processors that host the portal and deliver its mail (shown in the notice's list of entrusted parties).
OPERATOR_HOSTING = env("DJANGO_OPERATOR_HOSTING", default="（デモ）未定のクラウド事業者")
OPERATOR_MAIL_PROVIDER = env("DJANGO_OPERATOR_MAIL_PROVIDER", default="（デモ）未定のメール配信事業者")

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
LANGUAGE_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)

# seminars: registration closes this many hours before the start unless the seminar says otherwise.
SEMINAR_REGISTRATION_CLOSE_HOURS = env.int("SEMINAR_REGISTRATION_CLOSE_HOURS", default=24)

# Logs: one JSON object a line on stderr (python-json-logger), each with the request id of the request or Celery task
# it belongs to (core.observability; "-" outside both). DJANGO_LOG_FORMAT=text gives plain lines for a terminal.
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "text" if LOG_FORMAT == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step ("Step 1 - Fetching ...") at INFO; keep its warnings only.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# Celery workers and beat log through the configuration above (JSON, request id) instead of their own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- operations: error reports, metrics, readiness (docs/operations.md) ---
# Error reports go to Sentry only when SENTRY_DSN is set; personal data is scrubbed (core.observability).
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production")
# The release tag: the image's commit (Dockerfile: GIT_COMMIT build argument), else the project's version.
SENTRY_RELEASE = env("SENTRY_RELEASE", default="") or "cn-portal@" + env("GIT_COMMIT", default="0.1.0")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
# /metrics (Prometheus) answers only a request with "Authorization: Bearer <this token>"; empty: 404 to everyone.
METRICS_TOKEN = env("DJANGO_METRICS_TOKEN", default="")
# Answered ahead of the HTTPS redirect and ALLOWED_HOSTS (core.observability.ProbeMiddleware).
PROBE_PATHS = ["/healthz", "/readyz", "/metrics"]
# /readyz answers 503 when the oldest mail waiting to go out (not failed) is older than this.
READY_MAIL_BACKLOG_MAX_AGE_SECONDS = env.int("DJANGO_READY_MAIL_BACKLOG_MAX_AGE", default=900)
