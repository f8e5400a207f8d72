"""What the clinician's pages read about questionnaires, each in a fixed number of queries: the
dashboard's open alerts, and the shape and lengths of the client page's questionnaire sections
(which ``practice.dashboard.client_page`` reads inside the client's own query).

Every read starts from ``visible_in(user, membership)`` (which goes through
``Client.objects.visible_in``), so a page can never show a row of a client the user may not see.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from assessments.models import Alert

RECENT_OCCASIONS = 6
RECENT_PACKETS = 10
RECENT_RESPONSES = 12
RECENT_ACKNOWLEDGED_ALERTS = 5


@dataclass
class ClientQuestionnaires:
    assignments: list
    packets: list
    summaries: list
    responses: list
    open_alerts: list
    acknowledged_alerts: list


PANEL_FIELDS = [
    "raised_at",
    "rule_label",
    "acknowledged_at",
    "escalated_at",
    "client__full_name",
    "response__instrument__name",
]


def open_alerts(user, membership, limit: int = 20, clients=None):
    """Unacknowledged alerts of clients ``user`` may see under ``membership`` (their active
    membership of the current practice), newest first; only those of ``clients`` (a queryset
    of clients, such as the dashboard's chosen caseload) when it is given."""
    return list(open_alerts_query(user, membership, clients)[:limit])


def open_alerts_query(user, membership, clients=None):
    """``open_alerts``'s query, every row of it (the dashboard compiles it once)."""
    alerts = Alert.objects.visible_in(user, membership)
    if clients is not None:
        # A correlated EXISTS per open alert rather than IN (the caseload): the database reads
        # the practice's open alerts newest first from their partial index (alert_open_newest)
        # and checks each one's client until the page is full, instead of reading every client
        # of the caseload on each dashboard request (issue 17; tests/practice/
        # test_dashboard_alerts_index.py).
        alerts = alerts.filter(Exists(clients.filter(pk=OuterRef("client_id"))))
    return (
        alerts.open()
        .select_related("client", "response__instrument")
        # Only what the panel shows (the client's name, the instrument's, the rule, when, and
        # whether overdue): not the answers and scored result that make up most of a response
        # row, nor the client's record (issue 17).
        .only(*PANEL_FIELDS)
        .order_by("-raised_at", "-pk")
    )
