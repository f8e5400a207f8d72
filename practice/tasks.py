"""Celery tasks of the practice app: thin wrappers around ``practice.emails``, the audit chain
and ``practice.dashboard.progress``.

Arguments are row ids only (JSON); the rows hold everything else. ``send_outbound_email`` is
declared in ``practice.emails`` (services below this floor queue e-mail) and
``rebuild_practice_progress`` in ``practice.dashboard.progress`` (which queues it itself), each
under its name here (``practice.tasks.…``), and ``deliver_webhook`` in ``practice.webhooks``
(every layer emits events), imported here so this module lists every task.
"""

from celery import shared_task

from practice import audit, audit_chain, emails, idempotency, webhooks
from practice.dashboard import progress
from practice.dashboard.progress import rebuild_practice_progress, request_practice_rebuild
from practice.emails import send_outbound_email
from practice.webhooks import deliver_webhook

__all__ = [
    "deliver_webhook",
    "prune_idempotency_keys",
    "prune_webhook_deliveries",
    "rebuild_practice_progress",
    "request_practice_rebuild",
    "seal_audit_log",
    "send_outbound_email",
    "sweep_outbound_email",
    "sweep_progress_rebuilds",
    "sweep_webhook_deliveries",
]


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_outbound_email() -> int:
    """Re-enqueue e-mails whose message was lost (beat runs this every minute)."""
    return len(emails.requeue_stuck_emails())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_progress_rebuilds() -> int:
    """Send again the practice rebuilds whose message was lost (beat: every five minutes)."""
    return len(progress.requeue_stuck_rebuilds())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def seal_audit_log() -> int:
    """Record the repeats of refusal windows that closed, then seal new audit events into the
    hash chain (beat runs this every minute). Idempotent; returns the number of events sealed."""
    audit.close_refusal_windows()
    return audit_chain.seal()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_webhook_deliveries() -> int:
    """Re-enqueue webhook deliveries whose message was lost (beat runs this every minute)."""
    return len(webhooks.requeue_stuck_deliveries())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def prune_webhook_deliveries() -> int:
    """Delete finished webhook deliveries past their keeping time (beat runs this hourly)."""
    return webhooks.prune_deliveries()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def prune_idempotency_keys() -> int:
    """Delete ``Idempotency-Key`` rows, and the answers they keep, past their day (beat: hourly)."""
    return idempotency.prune_expired()
