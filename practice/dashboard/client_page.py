"""The client page's read model: everything the page shows, gathered in a fixed number of queries
however long the client's history, so its template tags only format what they are given.

Rows that two sections share are read once: the alerts (open ones at the top, acknowledged ones
under the results, both kinds on the timeline), the newest responses (the results' recent list
and the timeline), the newest reports (the reports section and the timeline) and the links
(the questionnaires section and the timeline). The client's dashboard row comes with the client.
The timeline is merged by ``clients.notes.newest_entries`` from providers that hand back rows
already read, so it orders entries exactly as the timeline page does.

Everything else comes inside the client's own query as JSON (``practice.dashboard.nested``):
the client's shares, episodes, newest reports and notes (with their tags), alerts, links (the
newest made, with their questionnaires, and the newest sent), newest responses, schedules (with
their questionnaires and newest occasions), results, the rule of the dashboard row's style and
the header's count of unseen reports (``clients.reports.unseen``). Six queries in all (issue
17): the four every signed-in page pays (the session, the user, the membership and the
session's save), the client with all of that, and the audit row. Building and compiling a query
costs the ORM more Python than the database takes to run it, so on PostgreSQL the whole
client's query is compiled once per role (``practice.prepared``), and planning it
cost the database more than running it, so it is planned once per connection
(``practice.statements``). The rows only read the fields the page shows (no answers,
no e-mail bodies).
"""

import heapq
import itertools
import uuid
from dataclasses import dataclass, field
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, OuterRef
from django.http import Http404
from django.utils.translation import gettext

from assessments.models import (
    Alert,
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
from clients.models import (
    Client,
    ClientShare,
    Episode,
    NoteTag,
    Report,
    SessionNote,
    _acting,
    mark_checked,
)
from clients.reports import services as report_services
from clients.reports.timeline import ReportTimeline
from practice import statements
from practice.acting import UNBOUND, bound_membership, stand_in
from practice.dashboard.nested import (
    columns,
    compiled_once,
    instances,
    json_rows,
    parent_column,
    parent_pk,
    related,
)
from practice.models import ClientProgress
from practice.prepared import Prepared

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
# What the page reads of a response (the results' latest and previous): not its answers.
_SHOWN_RESPONSE = ("id", "client_id", "instrument_id", "submitted_at", "status")
_SHOWN_RESPONSE += ("total", "band", "scores", "quadrant", "result")
_EMAIL = ("id", "kind", "status", "last_error")  # what a link's status reads of its e-mail

_ALERTS = compiled_once(
    lambda: json_rows(
        Alert.objects.filter(client_id=parent_pk(Client)).order_by("-raised_at", "-pk"),
        **columns(Alert),
        **related("response", "id", "instrument_id"),
        **related("response__instrument", "id", "name"),
        **related("acknowledged_by", "id", "full_name", "email"),
        **related("notice_email", *_EMAIL),
    )
)


def _links(packets, limit: int):
    """The first ``limit`` of ``packets`` with their e-mail and questionnaires' names."""
    return json_rows(
        packets,
        limit,
        **columns(Packet),
        **related("last_email", *_EMAIL),
        item_rows=json_rows(
            PacketItem.objects.filter(packet=OuterRef("pk")).order_by("position"),
            name="instrument__name",
        ),
    )


_PACKETS = compiled_once(
    lambda: _links(
        Packet.objects.filter(client_id=parent_pk(Client)).order_by("-created_at", "-pk"),
        overview.RECENT_PACKETS,
    )
)
_SENT = compiled_once(
    lambda: _links(
        Packet.objects.filter(client_id=parent_pk(Client), sent_at__isnull=False).order_by(
            "-sent_at", "-pk"
        ),
        TIMELINE_ENTRIES + 1,
    )
)
_RESPONSES = compiled_once(
    lambda: json_rows(
        Response.objects.filter(client_id=parent_pk(Client)).order_by("-submitted_at", "-pk"),
        overview.RECENT_RESPONSES,
        **columns(Response, leave_out=("answers",)),
        **related("instrument", "id", "name"),
    )
)
_ASSIGNMENTS = compiled_once(
    lambda: json_rows(
        Assignment.objects.filter(client_id=parent_pk(Client)).order_by(
            "status", "-created_at", "-pk"
        ),
        **columns(Assignment),
        instrument_rows=json_rows(
            Instrument.objects.filter(assignments=OuterRef("pk")), id="id", name="name"
        ),
        occasion_rows=json_rows(
            Occasion.objects.filter(assignment=OuterRef("pk"))
            .exclude(status=Occasion.Status.CANCELLED)
            .order_by("-due_at", "-pk"),
            overview.RECENT_OCCASIONS,
            **columns(Occasion),
            **related("packet", "id", "status"),
            **related("packet__last_email", *_EMAIL),
        ),
    )
)
_SUMMARIES = compiled_once(
    lambda: json_rows(
        ClientInstrumentSummary.objects.filter(client_id=parent_pk(Client)).order_by(
            "instrument__name", "pk"
        ),
        **columns(ClientInstrumentSummary),
        **related("instrument", "id", "name"),
        **related("latest", *_SHOWN_RESPONSE),
        **related("previous", *_SHOWN_RESPONSE),
    )
)


# The rule that classified the dashboard row's attachment style, from the response that gave
# it, and the name of its questionnaire to say it with.
_STYLE = compiled_once(
    lambda: json_rows(
        Response.objects.filter(
            client_id=parent_pk(Client),
            instrument_id=parent_column(ClientProgress, "attachment_instrument"),
            submitted_at=parent_column(ClientProgress, "attachment_at"),
        ).order_by("-pk"),
        1,
        rule="result__style__rule",
        short_name="instrument__current_version__definition__short_name",
        name="instrument__current_version__definition__name",
    )
)


def visible_client(user, pk) -> Client:
    """The client ``pk`` if ``user`` may see it, with their dashboard row, the rule of its style
    and everything the page lists (``gather``) in the same query; 404 otherwise, as if it did
    not exist. On PostgreSQL, for a user acting under their membership (every request), the
    query's SQL is compiled once per role and planned once per connection (``statements``)."""
    membership = bound_membership(user)
    try:
        with statements.prepared():
            if (
                connection.vendor == "postgresql"
                and membership is not UNBOUND
                and _acting(user, membership)
            ):
                return _compiled_client(user, membership, pk)
            return _client_query(user).get_visible(user, pk=pk)
    except (Client.DoesNotExist, ValidationError):
        raise Http404(gettext("No client found.")) from None


def _client_query(user):
    """The clients with everything the page shows about them, for ``user`` (the header's count)."""
    # The dashboard row joins under its table's name, as _STYLE expects.
    return Client.objects.select_related(
        "practice", "primary_clinician", "progress__attachment_instrument"
    ).annotate(
        style_rows=_STYLE(),
        share_rows=_SHARES(),
        episode_rows=_EPISODES(),
        report_rows=_REPORTS(),
        note_rows=_NOTES(),
        alert_rows=_ALERTS(),
        packet_rows=_PACKETS(),
        sent_rows=_SENT(),
        response_rows=_RESPONSES(),
        assignment_rows=_ASSIGNMENTS(),
        summary_rows=_SUMMARIES(),
        unseen_reports=report_services.unseen_count(user),
    )


class _SampleId(uuid.UUID):
    """A client id ``Prepared`` can tell from another (it adds one to find where it goes)."""

    def __add__(self, number: int) -> "_SampleId":
        return _SampleId(int=self.int + number)


_BY_ROLE: dict[str, Prepared] = {}  # the client's query, compiled once per role


def _client_query_for(role: str) -> Prepared:
    if role not in _BY_ROLE:

        def build(user, practice, pk):
            person, _ = stand_in(user, practice, role)
            return _client_query(person).visible_to(person).filter(pk=pk)

        _BY_ROLE[role] = Prepared(
            build,
            user=917_000_001,
            practice=917_000_002,
            pk=_SampleId("917a0000-0000-4000-8000-000000000003"),
        )
    return _BY_ROLE[role]


def _compiled_client(user, membership, pk) -> Client:
    try:
        pk = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except ValueError:
        raise Client.DoesNotExist from None
    rows = _client_query_for(membership.role).rows(
        user=user.pk, practice=membership.practice_id, pk=pk
    )
    if not rows:
        raise Client.DoesNotExist
    return mark_checked(rows[0], user)


def gather(user, client: Client) -> ClientPage:
    """Everything the page shows about ``client`` (found by ``visible_client``, which read all
    of it): no query of its own, whatever the number of administrations, alerts, links, notes
    or reports."""
    alerts = instances(Alert, client.alert_rows)
    packets = _named(instances(Packet, client.packet_rows), "item_rows")
    sent = _named(instances(Packet, client.sent_rows), "item_rows")
    responses = instances(Response, client.response_rows)
    reports = instances(Report, client.report_rows)
    assignments = _named(instances(Assignment, client.assignment_rows), "instrument_rows")
    for assignment in assignments:
        assignment.recent_occasions = instances(Occasion, assignment.occasion_rows)
        scheduled = [
            o for o in assignment.recent_occasions if o.status == Occasion.Status.SCHEDULED
        ]
        assignment.next_occasion = scheduled[0] if scheduled else None
    questionnaires = overview.ClientQuestionnaires(
        assignments=assignments,
        packets=packets,
        summaries=instances(ClientInstrumentSummary, client.summary_rows),
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
    # Each provider hands its rows' entries over as the merge takes them, so only the entries
    # the page shows (and the one that says there are more) are built, however long the history.
    tags = [[tag["name"] for tag in note.tag_names] for note in session_notes]
    providers = [
        _Read(map(notes.SessionTimeline._entry, session_notes, tags)),
        _Read(map(ReportTimeline._entry, reports)),
        _Read(
            heapq.merge(
                (AssessmentTimeline._sent(p, p.instrument_names) for p in sent),
                map(AssessmentTimeline._completed, responses),
                map(AssessmentTimeline._alert, alerts),
                map(AssessmentTimeline._acknowledgement, acknowledged),
                key=attrgetter("at"),
                reverse=True,
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


def _named(rows: list, names: str) -> list:
    """``rows`` (links or schedules) with ``instrument_names``, their questionnaires' names in
    order, from the rows read with each (``names``)."""
    for row in rows:
        row.instrument_names = [item["name"] for item in getattr(row, names)]
    return rows


class _Read:
    """A timeline provider over rows already read: ``entries`` yields their entries, newest
    first, each built when it is taken."""

    def __init__(self, entries):
        self.entries = entries

    def newest(self, user, client, limit: int):
        return itertools.islice(self.entries, limit)


def _style_rule(client, progress) -> str:
    if progress is None or not progress.style or not client.style_rows:
        return ""
    style = client.style_rows[0]
    return rule_words(style["rule"], style["short_name"] or style["name"])
