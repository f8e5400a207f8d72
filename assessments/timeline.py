"""The client timeline's questionnaire entries: links sent, questionnaires completed, alerts and
their acknowledgements (who, and the action taken).

One of the providers ``practice.dashboard.timeline`` merges. Like every provider it answers ``count`` and
``newest`` in a fixed number of queries, through ``visible_to(user)``. Entries carry no scores or
answers: they link to the response.
"""

import heapq
from operator import attrgetter

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext

from assessments.models import Alert, Packet, PacketItem, Response
from clients.notes import TimelineEntry


class AssessmentTimeline:
    def _packets(self, user, client):
        return Packet.objects.of_client(user, client).filter(sent_at__isnull=False)

    def count(self, user, client) -> int:
        """One query: the three kinds of row counted together."""
        return (
            self._packets(user, client)
            .order_by()
            .values_list("pk")
            .union(
                Response.objects.of_client(user, client).order_by().values_list("pk"),
                Alert.objects.of_client(user, client).order_by().values_list("pk"),
                self._acknowledged(user, client).order_by().values_list("pk"),
                all=True,
            )
            .count()
        )

    def newest(self, user, client, limit: int) -> list[TimelineEntry]:
        packets = (
            self._packets(user, client)
            .select_related("last_email")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=PacketItem.objects.select_related("instrument").order_by("position"),
                )
            )
            .order_by("-sent_at", "-pk")[:limit]
        )
        responses = (
            Response.objects.of_client(user, client)
            .select_related("instrument")
            .order_by("-submitted_at", "-pk")[:limit]
        )
        alerts = (
            Alert.objects.of_client(user, client)
            .select_related("response__instrument")
            .order_by("-raised_at", "-pk")[:limit]
        )
        acknowledged = (
            self._acknowledged(user, client)
            .select_related("response__instrument", "acknowledged_by")
            .order_by("-acknowledged_at", "-pk")[:limit]
        )
        streams = [
            [self._sent(packet) for packet in packets],
            [self._completed(response) for response in responses],
            [self._alert(alert) for alert in alerts],
            [self._acknowledgement(alert) for alert in acknowledged],
        ]
        merged = heapq.merge(*streams, key=attrgetter("at"), reverse=True)
        return list(merged)[:limit]

    @staticmethod
    def _sent(packet: Packet, names: list[str] | None = None) -> TimelineEntry:
        """``names``: of the link's questionnaires, if the caller read them (else its items)."""
        if names is None:
            names = [item.instrument.name for item in packet.items.all()]
        return TimelineEntry(
            at=packet.sent_at,
            kind="assessment_sent",
            title=gettext("Questionnaires sent"),
            url=reverse("clients:detail", args=[packet.client_id]) + "#questionnaires",
            detail="; ".join(names),
            status=packet.clinician_status.label,  # as the client page's links read
        )

    @staticmethod
    def _completed(response: Response) -> TimelineEntry:
        return TimelineEntry(
            at=response.submitted_at,
            kind="assessment_completed",
            title=gettext("%(instrument)s answered") % {"instrument": response.instrument.name},
            url=reverse("assessments:response_detail", args=[response.pk]),
        )

    @staticmethod
    def _acknowledged(user, client):
        return Alert.objects.of_client(user, client).filter(acknowledged_at__isnull=False)

    @staticmethod
    def _alert(alert: Alert) -> TimelineEntry:
        state = gettext("open") if alert.is_open else gettext("acknowledged")
        if alert.is_overdue:
            state = gettext("open, overdue")
        return TimelineEntry(
            at=alert.raised_at,
            kind="alert",
            title=gettext("Alert (%(state)s): %(instrument)s")
            % {"state": state, "instrument": alert.response.instrument.name},
            url=reverse("assessments:alert_detail", args=[alert.pk]),
            detail=alert.rule_label,
        )

    @staticmethod
    def _acknowledgement(alert: Alert) -> TimelineEntry:
        """The alert's acknowledgement: who, and the action taken (with its note)."""
        return TimelineEntry(
            at=alert.acknowledged_at,
            kind="alert_acknowledged",
            title=gettext("Alert acknowledged: %(instrument)s")
            % {"instrument": alert.response.instrument.name},
            url=reverse("assessments:alert_detail", args=[alert.pk]),
            detail=" · ".join(filter(None, [str(alert.acknowledged_by), alert.action_text])),
        )
