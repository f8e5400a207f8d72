"""The client page's read model: everything the page shows, gathered in a fixed number of queries
however long the client's history, so its template tags only format what they are given.

Rows that two sections share are read once: the alerts (open ones at the top, acknowledged ones
under the results, both kinds on the timeline), the newest responses (the results' recent list
and the timeline), the newest reports (the reports section and the timeline) and the links
(the questionnaires section and the timeline). The client's dashboard row comes with the client.
The timeline is merged by ``clients.notes.newest_entries`` from providers that hand back rows
already read, so it orders entries exactly as the timeline page does.
"""

import heapq
from dataclasses import dataclass, field
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.utils.translation import gettext

from assessments.models import ClientInstrumentSummary, Occasion, Packet, PacketItem, Response
from assessments.services import overview
from assessments.timeline import AssessmentTimeline
from assessments.trajectory import rule_words
from clients import notes
from clients.models import Client, Report
from clients.reports.timeline import ReportTimeline

TIMELINE_ENTRIES = 5  # the newest entries the page shows; "See the whole timeline" for more
REPORTS = 5  # the newest reports in the reports section

assert overview.RECENT_RESPONSES > TIMELINE_ENTRIES  # the timeline's responses come from there


@dataclass
class ClientPage:
    client: Client
    shares: list
    questionnaires: overview.ClientQuestionnaires
    progress: object  # the client's ``ClientProgress`` row, or None before any answer
    style_rule: str  # the rule that classified the progress row's style, in words
    timeline: list[notes.TimelineEntry]
    more_timeline: bool
    reports: list
    episodes: list = field(default_factory=list)  # of care, oldest first; the last is current


def visible_client(user, pk) -> Client:
    """The client ``pk`` if ``user`` may see it, with their dashboard row and the rule of its
    style in the same query; 404 otherwise, as if it did not exist."""
    rule = Response.objects.filter(
        client=OuterRef("pk"),
        instrument=OuterRef("progress__attachment_instrument"),
        submitted_at=OuterRef("progress__attachment_at"),
    ).values("result__style__rule")[:1]
    try:
        return (
            Client.objects.select_related(
                "practice",
                "primary_clinician",
                "progress__attachment_instrument__current_version",
            )
            .annotate(progress_style_rule=Subquery(rule))
            .get_visible(user, pk=pk)
        )
    except (Client.DoesNotExist, ValidationError):
        raise Http404(gettext("No client found.")) from None


def gather(user, client: Client) -> ClientPage:
    """Everything the page shows about ``client`` (found by ``visible_client``): about twelve
    queries, whatever the number of administrations, alerts, links, notes or reports."""
    limit = TIMELINE_ENTRIES + 1  # one more than shown says whether there are more
    alerts = list(overview.alerts_for(user, client).defer("response__answers", "response__result"))
    packets, sent = _packets(user, client, overview.RECENT_PACKETS, limit)
    responses = list(
        Response.objects.of_client(user, client)
        .select_related("instrument")
        .defer("answers")
        .order_by("-submitted_at", "-pk")[: overview.RECENT_RESPONSES]
    )
    reports = list(
        Report.objects.of_client(user, client)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")[: max(REPORTS, limit)]
    )
    assignments = list(overview.assignments_for(user, client))
    for assignment in assignments:
        scheduled = [
            o for o in assignment.recent_occasions if o.status == Occasion.Status.SCHEDULED
        ]
        assignment.next_occasion = scheduled[0] if scheduled else None
    questionnaires = overview.ClientQuestionnaires(
        assignments=assignments,
        packets=packets,
        summaries=list(
            ClientInstrumentSummary.objects.of_client(user, client)
            .select_related("instrument", "latest", "previous", "baseline")
            .defer("latest__answers", "previous__answers", "baseline__answers")
            .order_by("instrument__name")
        ),
        responses=responses,
        open_alerts=[alert for alert in alerts if alert.is_open],
        acknowledged_alerts=[alert for alert in alerts if not alert.is_open][
            : overview.RECENT_ACKNOWLEDGED_ALERTS
        ],
    )
    acknowledged = sorted(
        (a for a in alerts if a.acknowledged_at is not None),
        key=lambda a: (a.acknowledged_at, a.pk),
        reverse=True,
    )
    providers = [
        notes.SessionTimeline(),
        _Read([ReportTimeline._entry(report) for report in reports]),
        _Read(
            _merged(
                [AssessmentTimeline._sent(p) for p in sent],
                [AssessmentTimeline._completed(r) for r in responses],
                [AssessmentTimeline._alert(a) for a in alerts],
                [AssessmentTimeline._acknowledgement(a) for a in acknowledged],
            )
        ),
    ]
    entries, more = notes.newest_entries(providers, user, client, TIMELINE_ENTRIES)
    progress = getattr(client, "progress", None)
    return ClientPage(
        client=client,
        shares=list(client.shares.select_related("clinician")),
        questionnaires=questionnaires,
        progress=progress,
        style_rule=_style_rule(client, progress),
        timeline=entries,
        more_timeline=more,
        reports=reports[:REPORTS],
        episodes=list(client.episodes.order_by("started_at", "pk")),
    )


def _packets(user, client, newest: int, newest_sent: int) -> tuple[list, list]:
    """The ``newest`` links by creation (the questionnaires section) and the ``newest_sent`` by
    sending (the timeline), read together in one query (and one for their questionnaires)."""
    rows = Packet.objects.of_client(user, client)
    created = rows.order_by("-created_at", "-pk").values("pk")[:newest]
    sent = rows.filter(sent_at__isnull=False).order_by("-sent_at", "-pk").values("pk")[:newest_sent]
    packets = list(
        rows.filter(Q(pk__in=created) | Q(pk__in=sent))
        .select_related("last_email")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=PacketItem.objects.select_related("instrument").order_by("position"),
            )
        )
        .order_by("-created_at", "-pk")
    )
    # A link of one list that is not in the other ranks below all of the other's, so each list
    # is the head of the rows in its own order.
    by_sending = sorted(
        (p for p in packets if p.sent_at is not None), key=lambda p: (p.sent_at, p.pk), reverse=True
    )
    return packets[:newest], by_sending[:newest_sent]


def _merged(*streams):
    return list(heapq.merge(*streams, key=attrgetter("at"), reverse=True))


class _Read:
    """A timeline provider over entries already read (newest first)."""

    def __init__(self, entries):
        self.entries = entries

    def newest(self, user, client, limit: int):
        return self.entries[:limit]


def _style_rule(client, progress) -> str:
    if progress is None or not progress.style or progress.attachment_instrument is None:
        return ""
    definition = progress.attachment_instrument.definition
    short = definition.get("short_name") or definition["name"]
    return rule_words(client.progress_style_rule, short)
