FROM python:3.11-slim-bookworm
# The commit the image is built from: the release tag of error reports (config.settings.base SENTRY_RELEASE).
ARG GIT_COMMIT=unknown
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GIT_COMMIT=${GIT_COMMIT}
# postgresql-client-15 (pg_dump, pg_restore) for `python scripts/backup.py` (make backup / make restore).
RUN apt-get update && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 gettext postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/base.lock requirements/base.lock
# Production dependencies only: the test and lint tools live in requirements/dev.lock.
RUN pip install --no-cache-dir uv==0.13.9 && uv pip install --system --no-cache -r requirements/base.lock
COPY . .
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.db python manage.py collectstatic --noinput \
    && DJANGO_SETTINGS_MODULE=config.settings.local python manage.py compilemessages --ignore=.venv
RUN useradd --create-home app && mkdir -p /app/private_media && chown app /app/private_media
USER app
