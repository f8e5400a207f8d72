"""What the clinician's pages read about questionnaires, each in a fixed number of queries.

Every read starts from ``visible_to(user)`` (which goes through ``Client.objects.visible_to``),
so a page can never show a row of a client the user may not see.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch

from assessments.models import (
    Alert,
    Assignment,
    ClientInstrumentSummary,
    Occasion,
    Packet,
    PacketItem,
    Response,
)

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


def assignments_for(user, client, *, instruments: bool = True):
    """The client's schedules with their newest occasions (``recent_occasions``) and, unless
    the caller reads them its own way (``instruments=False``), their questionnaires."""
    return (
        Assignment.objects.of_client(user, client)
        .select_related("created_by")
        .prefetch_related(
            *(["instruments"] if instruments else []),
            Prefetch(
                "occasions",
                queryset=Occasion.objects.exclude(status=Occasion.Status.CANCELLED)
                .select_related("packet__last_email")
                .order_by("-due_at", "-pk")[:RECENT_OCCASIONS],
                to_attr="recent_occasions",
            ),
        )
        .order_by("status", "-created_at", "-pk")
    )


def packets_for(user, client):
    return (
        Packet.objects.of_client(user, client)
        .select_related("last_email")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=PacketItem.objects.select_related("instrument").order_by("position"),
            )
        )
        .order_by("-created_at", "-pk")
    )


def alerts_for(user, client):
    return (
        Alert.objects.of_client(user, client)
        .select_related("response__instrument", "acknowledged_by", "notice_email")
        .order_by("-raised_at", "-pk")
    )


def open_alerts_for(user, client):
    """The client's unacknowledged alerts, newest first."""
    return alerts_for(user, client).open()


def client_questionnaires(user, client) -> ClientQuestionnaires:
    """Everything the client page's questionnaire sections show (about nine queries, however
    many assignments, packets or responses the client has)."""
    alerts = alerts_for(user, client)
    return ClientQuestionnaires(
        assignments=list(assignments_for(user, client)),
        packets=list(packets_for(user, client)[:RECENT_PACKETS]),
        summaries=list(
            ClientInstrumentSummary.objects.of_client(user, client)
            .select_related("instrument", "latest", "previous", "baseline")
            .order_by("instrument__name")
        ),
        responses=list(
            Response.objects.of_client(user, client)
            .select_related("instrument")
            .order_by("-submitted_at", "-pk")[:RECENT_RESPONSES]
        ),
        open_alerts=[alert for alert in alerts if alert.is_open],
        acknowledged_alerts=[alert for alert in alerts if not alert.is_open][
            :RECENT_ACKNOWLEDGED_ALERTS
        ],
    )


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
