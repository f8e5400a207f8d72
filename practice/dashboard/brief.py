"""The pre-session brief ("Today"): one block for each client with a session today.

A client has a session today when their ``next_session_at`` falls on today in the practice's
time zone, or a session note (any status) is dated today. Each block says what changed since the
last session (the last signed note's start): the administrations since then, the reliable-change
labels of the client's dashboard row, moves of the attachment style between the last response
before that session and the latest (stored quadrants, never recomputed), open alerts with their
guidance, worksheets answered since then (homework to discuss), and the plan of the last signed
note. Everything is read for the whole page in a fixed number of queries, whatever the number of
clients; the view audits a read of each client's record (``practice.audit.record_clients``).
"""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Q

from assessments.models import Alert, Response
from clients.models import Client, SessionNote


@dataclass
class StyleMove:
    instrument: str
    before: str
    after: str


@dataclass
class Homework:
    """A worksheet answered since the last session, with each answered question."""

    response: Response
    answers: list[tuple[str, str]]  # (question, answer), in the worksheet's order


@dataclass
class ClientBrief:
    client: Client
    session_at: datetime.datetime | None  # None: only a note dated today says so
    last_session: SessionNote | None  # the last signed note before today
    administrations: list[Response] = field(default_factory=list)  # scored, since last session
    style_moves: list[StyleMove] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    homework: list[Homework] = field(default_factory=list)  # worksheets since last session

    @property
    def progress(self):
        return getattr(self.client, "progress", None)

    @property
    def plan(self) -> str:
        return (self.last_session.content or {}).get("plan", "") if self.last_session else ""


def day_bounds(day: datetime.date, zone: str) -> tuple[datetime.datetime, datetime.datetime]:
    tz = zoneinfo.ZoneInfo(zone)
    start = datetime.datetime.combine(day, datetime.time(), tz)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tz)


def todays_clients(user, membership, day: datetime.date, *, whole_practice=False):
    """Active clients in scope with a session on ``day``: the user's own caseload (primary
    clinician), or for an owner who asks, the whole practice."""
    start, end = day_bounds(day, membership.practice.time_zone)
    noted_today = SessionNote.objects.filter(practice=membership.practice, session_date=day).values(
        "client_id"
    )
    clients = (
        Client.objects.visible_in(user, membership)
        .active()
        .filter(Q(next_session_at__gte=start, next_session_at__lt=end) | Q(pk__in=noted_today))
    )
    if not (whole_practice and membership.is_owner):
        clients = clients.filter(primary_clinician=user)
    return clients.select_related("practice", "primary_clinician", "progress").order_by(
        "next_session_at", "full_name", "pk"
    )


def _last_signed_notes(client_ids, day) -> dict:
    notes = SessionNote.objects.filter(
        client_id__in=client_ids, status=SessionNote.Status.SIGNED, session_date__lt=day
    ).order_by("client_id", "-started_at", "-pk")
    last = {}
    for note in notes:
        last.setdefault(note.client_id, note)
    return last


# Worksheets (limiting beliefs, safety plan, support figures) are the instruments without scoring.
UNSCORED = Q(instrument_version__definition__scoring__isnull=True)


def _scored_responses(client_ids):
    return (
        Response.objects.filter(client_id__in=client_ids)
        .exclude(UNSCORED)
        .select_related("instrument")
        .defer("answers", "result", "scores")
        .order_by("submitted_at", "pk")
    )


def _worksheets(client_ids):
    return (
        Response.objects.filter(UNSCORED, client_id__in=client_ids)
        .select_related("instrument", "instrument_version")
        .order_by("submitted_at", "pk")
    )


def _homework(response: Response) -> Homework:
    answers = []
    for item in response.instrument_version.definition["items"]:
        answer = str((response.answers or {}).get(str(item["number"])) or "").strip()
        if answer:
            answers.append((item["text"], answer))
    return Homework(response, answers)


def _style_moves(responses, since) -> list[StyleMove]:
    """Per instrument, the quadrant of the last response before ``since`` against the latest."""
    before, latest = {}, {}
    for response in responses:
        if not response.quadrant:
            continue
        target = before if since is not None and response.submitted_at <= since else latest
        target[response.instrument_id] = response
    return [
        StyleMove(response.instrument.name, before[key].quadrant, response.quadrant)
        for key, response in latest.items()
        if key in before and before[key].quadrant != response.quadrant
    ]


def client_briefs(clients, day: datetime.date) -> list[ClientBrief]:
    """One brief per client of ``clients`` (already scoped), read in four more queries."""
    clients = list(clients)
    ids = [client.pk for client in clients]
    last_notes = _last_signed_notes(ids, day)
    by_client: dict = {pk: [] for pk in ids}
    for response in _scored_responses(ids):
        by_client[response.client_id].append(response)
    worksheets: dict = {pk: [] for pk in ids}
    for response in _worksheets(ids):
        worksheets[response.client_id].append(response)
    alerts: dict = {pk: [] for pk in ids}
    for alert in Alert.objects.filter(client_id__in=ids, acknowledged_at__isnull=True).order_by(
        "raised_at", "pk"
    ):
        alerts[alert.client_id].append(alert)
    briefs = []
    for client in clients:
        note = last_notes.get(client.pk)
        since = note.started_at if note else None
        responses = by_client[client.pk]
        briefs.append(
            ClientBrief(
                client=client,
                session_at=client.next_session_at,
                last_session=note,
                administrations=[r for r in responses if since is None or r.submitted_at > since],
                style_moves=_style_moves(responses, since),
                alerts=alerts[client.pk],
                homework=[
                    _homework(r)
                    for r in worksheets[client.pk]
                    if since is None or r.submitted_at > since
                ],
            )
        )
    return briefs
