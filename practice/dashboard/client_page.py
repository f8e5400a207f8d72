"""The client page's read model: everything the page shows, gathered in a fixed number of queries
however long the client's history, so its template tags only format what they are given.

Rows that two sections share are read once: the alerts (open ones at the top, acknowledged ones
under the results, both kinds on the timeline), the newest responses (the results' recent list
and the timeline), the newest reports (the reports section and the timeline) and the links
(the questionnaires section and the timeline). The client's dashboard row comes with the client.
The timeline is merged by ``clients.notes.newest_entries`` from providers that hand back rows
already read, so it orders entries exactly as the timeline page does.

Short lists come inside their parent's query as JSON (``practice.dashboard.nested``): the
client's shares, episodes, newest reports and newest notes (with their tags) and the header's
count of unseen reports with the client, each link's and each schedule's questionnaires with
the links and the schedules. The page costs twelve queries in all (issue 17): the four
every signed-in page pays, the client with all of that, the audit row and six in ``gather``.
"""

import heapq
from dataclasses import dataclass, field
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404
from django.utils.translation import gettext

from assessments.models import (
    Assignment,
    ClientInstrumentSummary,
    Instrument,
    Occasion,
    Packet,
    PacketItem,
    Response,
)
from assessments.services import overview
from assessments.timeline import AssessmentTimeline
from assessments.trajectory import rule_words
from clients import notes
from clients.models import Client, ClientShare, Episode, NoteTag, Report, SessionNote
from clients.reports import services as report_services
from clients.reports.timeline import ReportTimeline
from practice.dashboard.nested import compiled_once, instances, json_rows, parent_pk

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
    unseen_reports: int = 0  # the header's count, read with the client


def _fields(*names) -> dict:
    return {name: name for name in names}


_SHARES = compiled_once(
    lambda: json_rows(
        ClientShare.objects.filter(client_id=parent_pk(Client)).order_by("pk"),
        id="id",
        client_id="client_id",
        clinician__id="clinician_id",
        clinician__full_name="clinician__full_name",
        clinician__email="clinician__email",
    )
)
_EPISODES = compiled_once(
    lambda: json_rows(
        Episode.objects.filter(client_id=parent_pk(Client)).order_by("started_at", "pk"),
        **_fields("id", "client_id", "started_at", "ended_at", "end_reason", "resumed_at"),
    )
)
_REPORTS = compiled_once(
    lambda: json_rows(
        Report.objects.filter(client_id=parent_pk(Client)).order_by("-requested_at", "-pk"),
        max(REPORTS, TIMELINE_ENTRIES + 1),
        **_fields("id", "client_id", "requested_at", "audience", "status"),
        **_fields("progress", "period_start", "period_end", "requested_by_id"),
        requested_by__id="requested_by_id",
        requested_by__full_name="requested_by__full_name",
        requested_by__email="requested_by__email",
    )
)
_NOTES = compiled_once(
    lambda: json_rows(
        SessionNote.objects.filter(client_id=parent_pk(Client))
        .annotate(addenda_count=Count("addenda"))
        .order_by("-started_at", "-created_at"),
        TIMELINE_ENTRIES + 1,
        **_fields("id", "client_id", "started_at", "created_at", "status"),
        **_fields("session_type", "modality", "duration_minutes", "author_id"),
        author__id="author_id",
        author__full_name="author__full_name",
        author__email="author__email",
        addenda_count="addenda_count",
        tag_names=json_rows(
            NoteTag.objects.filter(notes=OuterRef("pk")).order_by("name"), name="name"
        ),
    )
)
_INSTRUMENTS = compiled_once(
    lambda: json_rows(
        Instrument.objects.filter(assignments=parent_pk(Assignment)), id="id", name="name"
    )
)
_ITEMS = compiled_once(
    lambda: json_rows(
        PacketItem.objects.filter(packet_id=parent_pk(Packet)).order_by("position"),
        name="instrument__name",
    )
)


def visible_client(user, pk) -> Client:
    """The client ``pk`` if ``user`` may see it, with their dashboard row, the rule of its style
    and the short lists the page shows (``gather``) in the same query; 404 otherwise, as if it
    did not exist."""
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
            .annotate(
                progress_style_rule=Subquery(rule),
                share_rows=_SHARES(),
                episode_rows=_EPISODES(),
                report_rows=_REPORTS(),
                note_rows=_NOTES(),
                unseen_reports=report_services.unseen_count(user),
            )
            .get_visible(user, pk=pk)
        )
    except (Client.DoesNotExist, ValidationError):
        raise Http404(gettext("No client found.")) from None


def gather(user, client: Client) -> ClientPage:
    """Everything the page shows about ``client`` (found by ``visible_client``, which read its
    short lists): six queries, whatever the number of administrations, alerts, links, notes
    or reports."""
    limit = TIMELINE_ENTRIES + 1  # one more than shown says whether there are more
    alerts = list(overview.alerts_for(user, client).defer("response__answers", "response__result"))
    packets, sent = _packets(user, client, overview.RECENT_PACKETS, limit)
    responses = list(
        Response.objects.of_client(user, client)
        .select_related("instrument")
        .defer("answers")
        .order_by("-submitted_at", "-pk")[: overview.RECENT_RESPONSES]
    )
    reports = instances(Report, client.report_rows)
    assignments = list(
        overview.assignments_for(user, client, instruments=False).annotate(
            instrument_rows=_INSTRUMENTS()
        )
    )
    for assignment in assignments:
        scheduled = [
            o for o in assignment.recent_occasions if o.status == Occasion.Status.SCHEDULED
        ]
        assignment.next_occasion = scheduled[0] if scheduled else None
        assignment.instrument_names = [row["name"] for row in assignment.instrument_rows]
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
    session_notes = instances(SessionNote, client.note_rows)
    providers = [
        _Read(
            [
                notes.SessionTimeline._entry(note, [tag["name"] for tag in note.tag_names])
                for note in session_notes
            ]
        ),
        _Read([ReportTimeline._entry(report) for report in reports]),
        _Read(
            _merged(
                [AssessmentTimeline._sent(p, p.instrument_names) for p in sent],
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
        shares=instances(ClientShare, client.share_rows),
        questionnaires=questionnaires,
        progress=progress,
        style_rule=_style_rule(client, progress),
        timeline=entries,
        more_timeline=more,
        reports=reports[:REPORTS],
        episodes=instances(Episode, client.episode_rows),
        unseen_reports=client.unseen_reports,
    )


def _packets(user, client, newest: int, newest_sent: int) -> tuple[list, list]:
    """The ``newest`` links by creation (the questionnaires section) and the ``newest_sent`` by
    sending (the timeline), read together in one query with the names of their questionnaires
    (``instrument_names``)."""
    rows = Packet.objects.of_client(user, client)
    created = rows.order_by("-created_at", "-pk").values("pk")[:newest]
    sent = rows.filter(sent_at__isnull=False).order_by("-sent_at", "-pk").values("pk")[:newest_sent]
    packets = list(
        rows.filter(Q(pk__in=created) | Q(pk__in=sent))
        .select_related("last_email")
        .annotate(item_rows=_ITEMS())
        .order_by("-created_at", "-pk")
    )
    for packet in packets:
        packet.instrument_names = [item["name"] for item in packet.item_rows]
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
