"""Celery tasks of the practice app: thin wrappers around ``practice.emails`` and
``practice.progress``.

Arguments are row ids only (JSON); the rows hold everything else. ``send_outbound_email`` is
declared in ``practice.emails`` (services below this floor queue e-mail) under its name here,
``practice.tasks.send_outbound_email``, and imported here so this module lists every task.
"""

from celery import shared_task
from django.utils import timezone

from practice import audit, audit_chain, emails
from practice.emails import send_outbound_email
from practice.models import Practice
from practice.queue import enqueue_on_commit

__all__ = [
    "rebuild_practice_progress",
    "request_practice_rebuild",
    "seal_audit_log",
    "send_outbound_email",
    "sweep_outbound_email",
    "sweep_progress_rebuilds",
]


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_outbound_email() -> int:
    """Re-enqueue e-mails whose message was lost (beat runs this every minute)."""
    return len(emails.requeue_stuck_emails())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rebuild_practice_progress(practice_id: int) -> int:
    """Recompute every caseload-dashboard row of one practice (after the numbers reliable change
    uses changed for many clients at once). Idempotent; returns the number of rows."""
    from practice import progress

    return progress.rebuild_requested(practice_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_progress_rebuilds() -> int:
    """Send again the practice rebuilds whose message was lost (beat: every five minutes)."""
    from practice import progress

    return len(progress.requeue_stuck_rebuilds())


def request_practice_rebuild(practice_id: int) -> None:
    """Ask for ``rebuild_practice_progress`` once the caller's transaction commits. The request
    is written on the practice row in that transaction, so it outlives a lost message."""
    Practice.objects.filter(pk=practice_id).update(progress_rebuild_requested_at=timezone.now())
    enqueue_on_commit(rebuild_practice_progress, practice_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def seal_audit_log() -> int:
    """Record the repeats of refusal windows that closed, then seal new audit events into the
    hash chain (beat runs this every minute). Idempotent; returns the number of events sealed."""
    audit.close_refusal_windows()
    return audit_chain.seal()
