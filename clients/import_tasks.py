"""Celery tasks of caseload imports: thin wrappers around ``clients.imports.jobs``.

Declared here under the names ``clients.tasks.import_clients`` and
``clients.tasks.sweep_client_imports`` and re-exported by ``clients.tasks``, which the workers
load. Arguments are import ids only; the row holds everything else.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.db import InterfaceError, OperationalError

from clients.imports import jobs
from practice.queue import enqueue_on_commit

__all__ = ["import_clients", "sweep_client_imports"]


@shared_task(
    name="clients.tasks.import_clients",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def import_clients(self, import_id: str) -> None:
    """Import a queued caseload file in chunks (``clients.imports.jobs.run``). Running it twice
    for the same id saves each row once. At its time limit, or on a database error, the row goes
    back to the queue and the next run resumes after the last saved chunk."""
    try:
        jobs.run(import_id)
    except SoftTimeLimitExceeded:
        if jobs.release(import_id):
            enqueue_on_commit(import_clients, import_id)
    except (OperationalError, InterfaceError) as exc:
        jobs.release(import_id)
        countdown = get_exponential_backoff_interval(
            factor=20, retries=self.request.retries, maximum=600, full_jitter=True
        )
        raise self.retry(countdown=countdown, exc=RuntimeError(type(exc).__name__)) from None


@shared_task(name="clients.tasks.sweep_client_imports", acks_late=True, reject_on_worker_lost=True)
def sweep_client_imports() -> int:
    """Re-enqueue imports whose message was lost or whose worker died, and delete uploads never
    confirmed (beat: every minute, ``sweep-client-imports``)."""
    ids = jobs.sweep()
    for import_id in ids:
        enqueue_on_commit(import_clients, import_id)
    return len(ids)


def start(job) -> None:
    """Enqueue a confirmed import that was queued for the background, once the request's
    transaction commits (a small file was already saved: nothing to do)."""
    if job.status == job.Status.QUEUED:
        enqueue_on_commit(import_clients, str(job.pk))
