"""Handing background work to the broker once the transaction commits, without ever failing the
request that asked for it.

Every job is a database row first (an ``OutboundEmail``, a ``Report``, a ``ClientImport``, a
practice's ``progress_rebuild_requested_at``): the message only tells a worker which row to look
at now. So when the broker (Redis) is down at commit, the right answer is to log and carry on:
the row stays queued and the beat sweeper for its kind (``sweep-outbound-email``,
``sweep-reports``, ``sweep-client-imports``, ``sweep-progress-rebuilds``) sends it once the
broker is back. Raising instead would turn a
committed, successful change into a 500, and invite the user to do it twice.

Publishing gives up quickly (``CELERY_TASK_PUBLISH_RETRY_POLICY``: one retry, a fifth of a
second apart, and ``socket_connect_timeout`` on the Redis transport), so a dead broker costs a
request well under a few seconds, never a hung worker. The task's ``delay`` is what gets
called, so tests can replace it with a recorder as before.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, OSError)
"""What a broker that is down, unreachable or refusing raises (kombu wraps redis-py's errors)."""


def publish(task, *args) -> bool:
    """Send ``task(*args)`` to the broker now; ``False`` if it could not be sent, with a warning
    naming only the task and the row ids (``args`` are ids, nothing personal). Never raises: the
    work is saved, and failing now would only turn a done change into an error page. An error
    that is not the broker's is logged with its traceback, for someone to fix."""
    try:
        task.delay(*args)
    except BROKER_ERRORS as exc:
        logger.warning(
            "broker unavailable (%s): %s%s stays queued for its sweeper",
            type(exc).__name__,
            task.name,
            list(args),
        )
        return False
    except Exception:
        logger.exception("could not enqueue %s%s; it stays queued", task.name, list(args))
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Publish ``task(*args)`` when the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, task, *args))


def requeue_stuck(
    model, task, *, now: datetime, stuck_after: timedelta, max_attempts: int, batch: int = 500
) -> list[int]:
    """Re-enqueue ``task`` for rows of ``model`` whose message was lost; what a sweeper runs.

    For rows kept as ``OutboundEmail`` and ``WebhookDelivery`` are: a ``status`` of queued,
    sending or failed, ``attempts``, ``last_error`` and ``next_attempt_at``. A row still
    'sending' long after its lease belonged to a worker that died: it goes back to the queue, or
    is marked failed once it has used all its attempts. A queued row long past its due time lost
    its message (the broker was down at commit, or lost it). Each re-enqueued row's due time
    moves to now, so the next sweep leaves it alone while it waits in the queue. Returns the
    re-enqueued rows' ids (at most ``batch``)."""
    cutoff = now - stuck_after
    abandoned = model.objects.filter(status="sending", next_attempt_at__lt=cutoff)
    abandoned.filter(attempts__gte=max_attempts).update(status="failed", last_error="WorkerLost")
    abandoned.update(status="queued")

    ids = list(
        model.objects.filter(status="queued", next_attempt_at__lt=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    if ids:
        model.objects.filter(pk__in=ids, status="queued").update(next_attempt_at=now)
        for row_id in ids:
            enqueue_on_commit(task, row_id)
        logger.warning("re-enqueued %s stuck %s row(s): %s", len(ids), model._meta.model_name, ids)
    return ids
