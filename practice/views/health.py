"""Probes for load balancers and orchestrators.

- ``/livez`` (liveness): the process answers requests. It checks nothing else, so a database or
  broker outage never gets healthy processes restarted.
- ``/readyz`` (readiness) and ``/healthz`` (its older name): the database answers, every
  migration is applied, and the broker answers; 503 with what is down otherwise, so a proxy
  sends no traffic to a process that cannot serve it (a new release before ``migrate``, say).
"""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from practice.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("healthz: database unreachable", exc_info=True)
        return False


def _broker_ok() -> bool:
    # One attempt with short socket timeouts: a load balancer's probe needs an answer in
    # seconds, and kombu's retry sleeps would make a dead broker look like a hung web server.
    timeout = settings.HEALTHZ_BROKER_TIMEOUT
    try:
        with celery_app.connection_for_write(
            connect_timeout=timeout,
            transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout},
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
        return True
    except Exception:
        logger.warning("healthz: broker unreachable", exc_info=True)
        return False


_migrated = False


def _migrations_ok() -> bool:
    """Every migration on disk is applied. Once true it stays true for the process (migrations
    are not unapplied under a running release), so only the first probes read the graph."""
    global _migrated  # a per-process memo of a fact that only becomes true
    if _migrated:
        return True
    try:
        executor = MigrationExecutor(connection)
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("readyz: migrations could not be read", exc_info=True)
        return False
    return _migrated


@transaction.non_atomic_requests
@never_cache
@require_GET
def livez(request):
    return JsonResponse({"status": "alive"})


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    database = _database_ok()
    checks = {
        "database": database,
        "migrations": database and _migrations_ok(),
        "broker": _broker_ok(),
    }
    down = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "ok" if not down else "unavailable",
        "checks": {name: "ok" if ok else "down" for name, ok in checks.items()},
    }
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)
