"""Celery tasks of the assessments app: thin wrappers around the services, run by beat.

Each is idempotent: the rows decide what is due, and every row is claimed with a compare-and-set,
so a task that runs twice, or in two workers at once, sends each e-mail once. Results are counts
only, never health data.
"""

from celery import shared_task

from assessments.services import assignments, packets


@shared_task(acks_late=True, reject_on_worker_lost=True)
def dispatch_due_questionnaires() -> int:
    """Send every occasion that has fallen due (beat: every minute). Returns packets sent."""
    return len(assignments.dispatch_due_occasions().packets)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_questionnaire_reminders() -> int:
    """Remind clients of open questionnaires whose reminder day has come."""
    return len(packets.send_reminders())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_questionnaire_links() -> int:
    """Mark packets past their link's expiry as expired."""
    return len(packets.expire_packets())
