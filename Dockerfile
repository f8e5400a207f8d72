# syntax=docker/dockerfile:1.7
# Attune: one image for every role. The first argument picks it (see the `attune` script below):
#   web     migrate the database, then serve with gunicorn on $PORT (8000)
#   worker  the Celery worker            beat  the Celery scheduler
#   healthcheck  exit 0 when /healthz answers 200 (the compose file's web health check)
# Anything else runs as a command, for example `docker compose run web python manage.py shell`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# PostgreSQL's client tools for `manage.py backup` and `restore` (pg_dump, pg_restore) must be
# of the server's major version or newer: pg_dump refuses a newer server. Bookworm ships 15's,
# the compose file runs postgres:16, so they come from the PostgreSQL project's own apt
# repository (PGDG) for bookworm, signed by its published key. Keep PG_MAJOR equal to the
# compose file's postgres image (tests/practice/test_image_pg_client.py checks it).
ARG PG_MAJOR=16
# WeasyPrint lays out report PDFs with Pango and HarfBuzz; the fonts are what reports print in.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        "postgresql-client-${PG_MAJOR}" \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core fonts-liberation2 \
    && apt-get purge -y --auto-remove curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from the lock file only, so code changes reuse this layer.
COPY requirements.lock ./
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install -r requirements.lock

COPY . .

# Static files are collected into the image (served by WhiteNoise). Settings refuse to load
# without a SECRET_KEY when DEBUG is off, so this step gets a random one that lives only for
# this command and is not kept in any layer.
ENV STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media
RUN DEBUG=false \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3

COPY --chmod=0755 <<'EOF' /usr/local/bin/attune
#!/bin/sh
# Start one role of Attune; see the top of the Dockerfile.
set -eu
role="${1:-web}"
if [ "$#" -gt 0 ]; then shift; fi
case "$role" in
  web)
    python manage.py migrate --noinput
    python manage.py createcachetable  # the database cache, used when REDIS_URL is unset
    # No control socket (gunicorn 27's gunicornc): nothing uses it, and $HOME is read-only.
    exec gunicorn practice.wsgi:application \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-3}" \
      --timeout "${GUNICORN_TIMEOUT:-60}" \
      --graceful-timeout "${GUNICORN_GRACEFUL_TIMEOUT:-30}" \
      --worker-tmp-dir /dev/shm \
      --logger-class practice.gunicorn_logger.RedactingLogger \
      --no-control-socket \
      "$@"
    ;;
  worker)
    exec celery -A practice worker --loglevel "${LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_WORKER_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    exec celery -A practice beat --loglevel "${LOG_LEVEL:-INFO}" \
      --schedule /app/var/celerybeat-schedule "$@"
    ;;
  healthcheck)
    exec python -c 'import os, sys, urllib.request
url = "http://127.0.0.1:%s/readyz" % os.environ.get("PORT", "8000")
try:
    sys.exit(0 if urllib.request.urlopen(url, timeout=5).status == 200 else 1)
except Exception as exc:
    sys.exit("unhealthy: %s" % exc)'
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
EOF

# Run as an unprivileged user; var/ (uploads, beat's schedule) is the one writable place.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin attune \
    && mkdir -p /app/var/media \
    && chown -R attune:attune /app/var
USER attune

ENV PORT=8000
EXPOSE 8000
ENTRYPOINT ["attune"]
CMD ["web"]
