"""What an operator watches: the numbers behind ``/metrics``, read when Prometheus scrapes.

Everything except request latency (``practice.request_metrics``) is read from the database and
the broker at scrape time, so every web process answers the same and none keeps state: queue
depth per Celery queue (from the broker), the age of the oldest piece of work still waiting per
queue (from the rows that hold the work: e-mails, reports, webhook deliveries), reports by
status, e-mails by status, open and overdue alerts. Totals across the installation only: no
practice, client or person appears in a label.
"""

import logging

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from assessments.models import Alert
from clients.models import Report
from practice.celery import app as celery_app
from practice.models import OutboundEmail, WebhookDelivery

logger = logging.getLogger(__name__)

# Each queue and the rows whose waiting work it carries (status QUEUED, oldest first).
WAITING_WORK = {
    "celery": [(OutboundEmail, "created_at")],
    "reports": [(Report, "requested_at")],
    "webhooks": [(WebhookDelivery, "created_at")],
}


def queue_depths() -> dict[str, int | None]:
    """Messages waiting in each Celery queue, from the broker; ``None`` for a queue the broker
    could not answer for (then ``attune_broker_up`` is 0)."""
    depths: dict[str, int | None] = dict.fromkeys(WAITING_WORK)
    timeout = settings.HEALTHZ_BROKER_TIMEOUT
    try:
        with celery_app.connection_for_read(
            connect_timeout=timeout,
            transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout},
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
            channel = conn.default_channel
            for name in depths:
                try:
                    depths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except conn.channel_errors:
                    depths[name] = 0  # never declared: nothing was ever sent to it
    except Exception:
        logger.warning("metrics: broker unreachable", exc_info=True)
    return depths


class AttuneCollector:
    """A prometheus_client collector: each scrape reads the numbers afresh."""

    def collect(self):
        now = timezone.now()
        depths = queue_depths()
        up = GaugeMetricFamily("attune_broker_up", "1 when the broker answered this scrape.")
        up.add_metric([], 1 if all(d is not None for d in depths.values()) else 0)
        yield up
        depth = GaugeMetricFamily(
            "attune_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for queue, count in depths.items():
            if count is not None:
                depth.add_metric([queue], count)
        yield depth
        oldest = GaugeMetricFamily(
            "attune_queue_oldest_waiting_seconds",
            "Age of the oldest work still waiting to be done on a queue (0 when none waits).",
            labels=["queue"],
        )
        for queue, sources in WAITING_WORK.items():
            ages = []
            for model, field in sources:
                first = model.objects.filter(status=model.Status.QUEUED).aggregate(
                    first=Min(field)
                )["first"]
                if first is not None:
                    ages.append((now - first).total_seconds())
            oldest.add_metric([queue], max(ages) if ages else 0.0)
        yield oldest
        yield _by_status("attune_reports", "Reports by status.", Report)
        yield _by_status("attune_emails", "Outbound e-mails by status.", OutboundEmail)
        alerts = GaugeMetricFamily(
            "attune_alerts", "Safety alerts still unacknowledged.", labels=["state"]
        )
        open_alerts = Alert.objects.filter(acknowledged_at__isnull=True)
        alerts.add_metric(["open"], open_alerts.count())
        alerts.add_metric(["overdue"], open_alerts.filter(escalated_at__isnull=False).count())
        yield alerts


def _by_status(name: str, documentation: str, model) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    counts = dict(model.objects.order_by().values_list("status").annotate(n=Count("pk")))
    for status in model.Status.values:
        family.add_metric([status], counts.get(status, 0))
    return family
