"""Celery tasks of the assessments app: thin wrappers around the services, run by beat.

Each is idempotent: the rows decide what is due, and every row is claimed with a compare-and-set,
so a task that runs twice, or in two workers at once, sends each e-mail once. Results are counts
only, never health data.

The services sit below the dashboard and leave its rows alone: the tasks refresh the rows of the
clients a run changed, each in its own transaction once that client's work has committed.
"""

from celery import shared_task
from django.db import transaction

from assessments.models import Packet
from assessments.services import alerts, assignments, packets
from practice.dashboard import progress


def _refresh(client_ids) -> None:
    """Refresh each client's dashboard row, one transaction per client."""
    for client_id in dict.fromkeys(client_ids):
        with transaction.atomic():
            progress.refresh_client_progress(client_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def dispatch_due_questionnaires() -> int:
    """Send every occasion that has fallen due (beat: every minute), then refresh the dashboard
    rows of the clients it handled. Returns packets sent."""
    report = assignments.dispatch_due_occasions()
    _refresh(report.clients)
    return len(report.packets)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_questionnaire_reminders() -> int:
    """Remind clients of open questionnaires whose reminder day has come."""
    return len(packets.send_reminders())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_questionnaire_links() -> int:
    """Mark packets past their link's expiry as expired, then refresh their clients' dashboard
    rows."""
    expired = packets.expire_packets()
    _refresh(
        Packet.objects.filter(pk__in=expired).order_by("pk").values_list("client_id", flat=True)
    )
    return len(expired)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def escalate_overdue_alerts() -> int:
    """Tell the safety lead (or the owners) of alerts left open past their practice's
    escalation time (beat: every five minutes). Each alert is claimed with a compare-and-set,
    so it is escalated once however often this runs. Returns alerts escalated."""
    return len(alerts.escalate_overdue_alerts())
