"""The caseload dashboard's precomputed rows (``ClientProgress``), and the practice's baseline
samples reliable change takes its own SD from (``PracticeBaselineScores``).

``refresh_client_progress(client)`` rewrites one client's row. The services whose events change
what the dashboard shows sit below this layer and do not import it; their callers, above, call it
after the service, in the same transaction (the request's, with ATOMIC_REQUESTS): the
questionnaire page after submitting a response (which may raise alerts), the alert page after an
acknowledgement, the assign, schedule and link pages and the assignments and invitations API
after scheduling, sending, changing, pausing, resuming, ending, resending or revoking, the
discharge page after closing the client's open questionnaires, and the note pages and the notes
API after a session note. The beat tasks refresh the clients a run changed once each client's
work has committed: the dispatch task those its report names, the expiry task those of the
expired links. The demo seeder rebuilds its practice at the end. Explicit calls, no signals.
``rebuild_progress()`` (the ``rebuild_progress`` command) recomputes rows from scratch with the
same code, in chunks and a fixed number of queries per chunk, so the two always agree (a test
checks it, through every service and its callers' refresh).

Two events change other clients' rows too, and rebuild the practice in the background
(``request_practice_rebuild``, below): an owner changing the numbers reliable change
uses, and a new baseline where reliable change takes the practice's SD from its baselines. The
request is written on the practice row before its message is sent, so a message lost to a
broker outage is sent again by the ``sweep-progress-rebuilds`` sweeper. The rebuild's task is
declared here, under its registered name ``practice.tasks.rebuild_practice_progress``
(``practice.tasks`` re-exports it), so this module and the task module do not import each other.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from celery import shared_task
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from assessments import scoring
from assessments import trajectory as trajectories
from assessments.models import (
    Alert,
    Assignment,
    ClientInstrumentSummary,
    Occasion,
    Packet,
    Response,
)
from clients.models import Client, Episode, SessionNote
from practice.dashboard.attention import store_rows_attention
from practice.dashboard.overview_counts import recount_overview, sync_overview
from practice.models import ClientProgress, Practice, PracticeBaselineScores, ProgressChange
from practice.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

CHUNK = 500
# Worst first: a deterioration anywhere outranks an improvement elsewhere.
_CHANGE_ORDER = [
    (scoring.DETERIORATED, ProgressChange.DETERIORATED),
    (scoring.IMPROVED, ProgressChange.IMPROVED),
    (scoring.NO_RELIABLE_CHANGE, ProgressChange.NO_CHANGE),
    (scoring.NOT_AVAILABLE, ProgressChange.NOT_AVAILABLE),
]
_FIELDS = [
    f.name
    for f in ClientProgress._meta.concrete_fields
    # ``counted`` is where the owners' overview counts the client (``sync_overview`` keeps it)
    if f.name not in ("client", "practice", "updated_at", "counted")
]


# --- Baseline samples ------------------------------------------------------------------------


def update_baseline_sample(practice_id, instrument_id) -> PracticeBaselineScores:
    """Recompute the practice's baseline sample for one instrument from every client's baseline
    (``ClientInstrumentSummary.baseline``). The row is locked first, so two submissions that
    each add a baseline cannot overwrite one another."""
    sample, _ = PracticeBaselineScores.objects.get_or_create(
        practice_id=practice_id, instrument_id=instrument_id
    )
    sample = PracticeBaselineScores.objects.select_for_update().get(pk=sample.pk)
    scores: dict[str, list[float]] = defaultdict(list)
    clients = 0
    baselines = (
        ClientInstrumentSummary.objects.filter(
            practice_id=practice_id, instrument_id=instrument_id, baseline__isnull=False
        )
        .order_by("client_id")
        .values_list("baseline__scores", flat=True)
    )
    for subscales in baselines:
        clients += 1
        for key, entry in (subscales or {}).items():
            if (entry or {}).get("score") is not None:
                scores[key].append(entry["score"])
    sample.scores, sample.clients = dict(scores), clients
    sample.spread = {key: scoring.sample_spread(values) for key, values in sample.scores.items()}
    sample.save(update_fields=["scores", "spread", "clients", "updated_at"])
    return sample


def _sample_sets_sd(numbers, instrument_id, versions) -> bool:
    """Whether reliable change on the instrument takes an SD from the practice's baselines."""
    for version in versions.values():
        if version.instrument_id != instrument_id:
            continue
        for params in trajectories.rci_parameters(version.definition, numbers).values():
            if (params.get("sd") or {}).get("origin") == "practice_baselines":
                return True
    return False


def rebuild_baseline_samples(practice_id) -> int:
    """Recompute every baseline sample of the practice. Returns how many there are."""
    instrument_ids = set(
        ClientInstrumentSummary.objects.filter(practice_id=practice_id, baseline__isnull=False)
        .values_list("instrument_id", flat=True)
        .distinct()
    )
    PracticeBaselineScores.objects.filter(practice_id=practice_id).exclude(
        instrument_id__in=instrument_ids
    ).delete()
    for instrument_id in sorted(instrument_ids):
        update_baseline_sample(practice_id, instrument_id)
    return len(instrument_ids)


# --- Computing rows --------------------------------------------------------------------------


def _overall_change(histories) -> str:
    labels = {
        change.label for history in histories for change in (history.since_baseline or {}).values()
    }
    for label, value in _CHANGE_ORDER:
        if label in labels:
            return value
    return ProgressChange.NOT_COMPARED


def _attachment_fields(histories) -> dict:
    fields = {
        "attachment_instrument_id": None,
        "attachment_at": None,
        "style": "",
        "anxiety": None,
        "avoidance": None,
        "anxiety_change": "",
        "avoidance_change": "",
        "earned_security": "",
        "earned_security_since": None,
    }
    answered = [h for h in histories if h.attachment and h.latest is not None]
    if not answered:
        return fields
    headline = max(answered, key=lambda h: (h.latest.at, h.latest.response_id))
    keys = trajectories.plane_keys(headline)
    scores = {s.key: s.score for s in headline.latest.scores}
    changes = headline.since_baseline or {}
    fields.update(
        attachment_instrument_id=headline.instrument.pk,
        attachment_at=headline.latest.at,
        style=headline.latest.style,
        anxiety=scores.get(keys["anxiety"]),
        avoidance=scores.get(keys["avoidance"]),
        anxiety_change=changes[keys["anxiety"]].label if keys["anxiety"] in changes else "",
        avoidance_change=changes[keys["avoidance"]].label if keys["avoidance"] in changes else "",
        earned_security=(headline.earned_security or {}).get("status") or "",
        earned_security_since=headline.earned_security_since,
    )
    return fields


def _changes_for_display(histories) -> list[dict]:
    return [
        {
            "code": history.code,
            "name": history.short_name,
            "labels": [
                {"subscale": s["label"], "label": history.since_baseline[s["key"]].label}
                for s in history.subscales
                if s["key"] in history.since_baseline
            ],
        }
        for history in sorted(histories, key=lambda h: (h.short_name, h.code))
        if history.since_baseline
    ]


GLANCE_POINTS = 6
"""How many of each outcome measure's latest administrations the compact row draws."""


def _severity(bands: list[dict], label: str, better: str) -> int | None:
    """Where ``label`` sits among the subscale's bands, from 0 (the best band) to 4 (the
    worst), so the chip's colour follows the instrument file's own bands and direction."""
    labels = [band["label"] for band in sorted(bands, key=lambda band: band["min"])]
    if label not in labels:
        return None
    index = labels.index(label)
    worse = index if better == "lower" else len(labels) - 1 - index
    return round(4 * worse / (len(labels) - 1)) if len(labels) > 1 else 0


def _measure(history) -> dict | None:
    """One outcome measure as the row draws it: its headline subscale (the total where there
    is one) with the last ``GLANCE_POINTS`` scores and bands, and its reliable change."""
    subscale = next((s for s in history.subscales if s["key"] == "total"), history.subscales[0])
    points = []
    for admin in history.administrations:
        found = next((s for s in admin.scores if s.key == subscale["key"]), None)
        if found is not None and found.score is not None:
            points.append(
                {"date": admin.date.isoformat(), "score": found.score, "band": found.band}
            )
    if not points:
        return None
    points = points[-GLANCE_POINTS:]
    change = (history.since_baseline or {}).get(subscale["key"])
    return {
        "code": history.code,
        "name": history.short_name,
        "subscale": subscale["label"],
        "range": list(subscale["range"]),
        "points": points,
        "band": points[-1]["band"],
        "severity": _severity(subscale["bands"], points[-1]["band"], subscale["better"]),
        "change": change.label if change is not None else "",
        "count": history.responses_count,
    }


def _glance(histories) -> dict:
    """``ClientProgress.glance``: the outcome measures (not attachment ones) by name, and the
    range and split of the plane the headline attachment result sits on."""
    measures = [
        measure
        for history in sorted(histories, key=lambda h: (h.short_name, h.code))
        if not history.attachment and (measure := _measure(history)) is not None
    ]
    glance: dict = {"measures": measures}
    answered = [h for h in histories if h.attachment and h.latest is not None]
    if answered:
        headline = max(answered, key=lambda h: (h.latest.at, h.latest.response_id))
        keys = trajectories.plane_keys(headline)
        ranges = {s["key"]: s["range"] for s in headline.subscales}
        split = scoring.classification_split(headline.definition).get("split") or {}
        if keys["anxiety"] in ranges and keys["avoidance"] in ranges:
            glance["plane"] = {
                name: {"range": list(ranges[keys[name]]), "split": split.get(name)}
                for name in ("anxiety", "avoidance")
            }
    return glance


class _Reads:
    """Everything the rows of a set of clients depend on, in a fixed number of queries."""

    def __init__(self, client_ids: list, versions: dict, numbers: dict):
        self.practices = dict(
            Client.objects.filter(pk__in=client_ids).values_list("pk", "practice_id")
        )
        self.responses: dict = defaultdict(lambda: defaultdict(list))
        rows = (
            Response.objects.filter(client_id__in=client_ids)
            .order_by("client_id", "instrument_id", "submitted_at", "pk")
            .values(*trajectories.RESPONSE_FIELDS)
        )
        for row in rows:
            self.responses[row["client_id"]][row["instrument_id"]].append(row)
        self.versions = trajectories.load_versions(
            {
                row["instrument_version_id"]
                for by_instrument in self.responses.values()
                for rows_ in by_instrument.values()
                for row in rows_
            },
            versions,
        )
        self.numbers = numbers
        self.load_numbers()
        self.alerts = {
            row["client_id"]: row
            for row in Alert.objects.filter(client_id__in=client_ids, acknowledged_at__isnull=True)
            .values("client_id")
            .annotate(count=Count("pk"), oldest=Min("raised_at"))
        }
        self.next_due = dict(
            Occasion.objects.filter(
                client_id__in=client_ids,
                status=Occasion.Status.SCHEDULED,
                assignment__status=Assignment.Status.ACTIVE,
            )
            .values("client_id")
            .annotate(first=Min("due_at"))
            .values_list("client_id", "first")
        )
        self.open_links = {
            row["client_id"]: row
            for row in Packet.objects.filter(
                client_id__in=client_ids, status__in=Packet.OPEN_STATUSES
            )
            .values("client_id")
            .annotate(expires=Min("expires_at"), sent=Min("sent_at"))
        }
        self.expired: dict = defaultdict(list)
        for client_id, expires_at in Packet.objects.filter(
            client_id__in=client_ids, status=Packet.Status.EXPIRED
        ).values_list("client_id", "expires_at"):
            self.expired[client_id].append(expires_at)
        self.episode_starts: dict = defaultdict(list)  # oldest first: change is judged within
        for client_id, started_at in (  # the current episode of care
            Episode.objects.filter(client_id__in=client_ids)
            .order_by("client_id", "started_at", "pk")
            .values_list("client_id", "started_at")
        ):
            self.episode_starts[client_id].append(started_at)
        self.sessions = dict(
            SessionNote.objects.filter(client_id__in=client_ids)
            .values("client_id")
            .annotate(last=Max("started_at"))
            .values_list("client_id", "last")
        )

    def load_numbers(self) -> None:
        """The practices' numbers for reliable change, for instruments not read yet."""
        wanted: dict = defaultdict(set)
        for client_id, by_instrument in self.responses.items():
            wanted[self.practices[client_id]].update(by_instrument)
        for practice_id, instrument_ids in wanted.items():
            missing = {i for i in instrument_ids if (practice_id, i) not in self.numbers}
            if missing:
                for pk, entry in trajectories.practice_numbers(practice_id, missing).items():
                    self.numbers[(practice_id, pk)] = entry


def _row(client_id, reads: _Reads, now) -> ClientProgress:
    practice_id = reads.practices[client_id]
    histories = []
    responses = 0
    last_completed = None
    for instrument_id, rows in reads.responses.get(client_id, {}).items():
        responses += len(rows)
        newest = rows[-1]["submitted_at"]
        last_completed = max(last_completed, newest) if last_completed else newest
        instrument = reads.versions[rows[-1]["instrument_version_id"]].instrument
        judge = trajectories.Judge(reads.numbers[(practice_id, instrument_id)])
        history = trajectories.judge_history(
            instrument,
            rows,
            reads.versions,
            judge,
            with_previous=False,
            episode_starts=reads.episode_starts.get(client_id, ()),
        )
        if history is not None:
            histories.append(history)
    alerts = reads.alerts.get(client_id) or {}
    links = reads.open_links.get(client_id) or {}
    missed = [
        expired
        for expired in reads.expired.get(client_id, [])
        if expired is not None and (last_completed is None or expired > last_completed)
    ]
    return ClientProgress(
        client_id=client_id,
        practice_id=practice_id,
        **_attachment_fields(histories),
        change=_overall_change(histories),
        changes=_changes_for_display(histories),
        glance=_glance(histories),
        baselines={str(h.instrument.pk): h.baseline.response_id for h in histories if h.baseline},
        responses=responses,
        open_alerts=alerts.get("count", 0),
        oldest_open_alert_at=alerts.get("oldest"),
        next_due_at=reads.next_due.get(client_id),
        awaiting_since=links.get("sent"),
        link_expires_at=links.get("expires"),
        missed_since=min(missed) if missed else None,
        last_completed_at=last_completed,
        last_session_at=reads.sessions.get(client_id),
        updated_at=now,
    )


def _save(rows: list[ClientProgress], now) -> None:
    ClientProgress.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["client"],
        update_fields=["practice", *_FIELDS, "updated_at"],
    )
    store_rows_attention(rows, now)


def _compute(client_ids: list, versions: dict, numbers: dict, now) -> list[ClientProgress]:
    reads = _Reads(client_ids, versions, numbers)
    return [_row(client_id, reads, now) for client_id in client_ids if client_id in reads.practices]


# --- The two entry points --------------------------------------------------------------------


@transaction.atomic
def refresh_client_progress(client, *, now=None) -> ClientProgress | None:
    """Rewrite ``client``'s dashboard row from the records (``client`` or its id). Called at the
    end of every service that changes what the dashboard shows, in its transaction.

    When the client has a new baseline, the practice's baseline sample is brought up to date
    first; if reliable change takes its SD from that sample, the other clients' labels may move
    too, so a background rebuild of the practice is queued for when the transaction commits.
    """
    client_id = getattr(client, "pk", client)
    now = now or timezone.now()
    previous = ClientProgress.objects.filter(client_id=client_id).values("baselines").first()
    known = (previous or {}).get("baselines") or {}
    reads = _Reads([client_id], {}, {})
    if client_id not in reads.practices:
        return None
    practice_id = reads.practices[client_id]
    changed = []
    starts = reads.episode_starts.get(client_id, ())
    for instrument_id, rows in reads.responses.get(client_id, {}).items():
        baseline = trajectories.current_baseline(rows, starts)  # the current episode's
        if baseline is not None and known.get(str(instrument_id)) != baseline:
            changed.append(instrument_id)
    if changed:
        for instrument_id in changed:
            update_baseline_sample(practice_id, instrument_id)
        reads.numbers.clear()  # the samples changed under them
        reads.load_numbers()
        if any(
            _sample_sets_sd(reads.numbers[(practice_id, i)], i, reads.versions) for i in changed
        ):
            request_practice_rebuild(practice_id)
    row = _row(client_id, reads, now)
    _save([row], now)
    sync_overview([client_id])  # the owners' overview counts it where it now belongs
    return row


def rebuild_progress(
    practice_id=None, client_ids: Iterable | None = None, *, chunk: int = CHUNK, now=None
) -> int:
    """Recompute dashboard rows from scratch: for ``client_ids``, or every client of the practice
    (or of every practice). Baseline samples of the practices concerned are rebuilt first.
    Each chunk of clients is read in a fixed number of queries and saved in one statement.
    Returns the number of rows written."""
    now = now or timezone.now()
    clients = Client.objects.order_by("pk")
    if practice_id is not None:
        clients = clients.filter(practice_id=practice_id)
    if client_ids is not None:
        clients = clients.filter(pk__in=list(client_ids))
    ids = list(clients.values_list("pk", flat=True))
    practices = set(Client.objects.filter(pk__in=ids).values_list("practice_id", flat=True))
    for pk in sorted(practices):
        with transaction.atomic():
            rebuild_baseline_samples(pk)
    versions: dict = {}
    numbers: dict = {}
    written = 0
    for first in range(0, len(ids), chunk):
        with transaction.atomic():
            rows = _compute(ids[first : first + chunk], versions, numbers, now)
            _save(rows, now)
        written += len(rows)
    for pk in sorted(practices):
        with transaction.atomic():
            recount_overview(pk)
    return written


# --- Practice rebuilds asked for in the background -------------------------------------------

REBUILD_STUCK_AFTER = datetime.timedelta(minutes=5)
"""How long a practice's rebuild request waits before the sweeper sends it again."""


def request_practice_rebuild(practice_id: int) -> None:
    """Ask for ``rebuild_practice_progress`` once the caller's transaction commits. The request
    is written on the practice row in that transaction, so it outlives a lost message."""
    Practice.objects.filter(pk=practice_id).update(progress_rebuild_requested_at=timezone.now())
    enqueue_on_commit(rebuild_practice_progress, practice_id)


@shared_task(
    name="practice.tasks.rebuild_practice_progress",  # its name since it was declared there
    acks_late=True,
    reject_on_worker_lost=True,
)
def rebuild_practice_progress(practice_id: int) -> int:
    """Recompute every caseload-dashboard row of one practice (after the numbers reliable change
    uses changed for many clients at once). Idempotent; returns the number of rows."""
    return rebuild_requested(practice_id)


def rebuild_requested(practice_id) -> int:
    """Rebuild a practice that asked for it (``request_practice_rebuild``), then
    clear the request this run answered. The clear is a compare-and-set on the request's time,
    so a request made while the rebuild ran stays and is answered by its own run."""
    requested = (
        Practice.objects.filter(pk=practice_id)
        .values_list("progress_rebuild_requested_at", flat=True)
        .first()
    )
    written = rebuild_progress(practice_id)
    if requested is not None:
        Practice.objects.filter(pk=practice_id, progress_rebuild_requested_at=requested).update(
            progress_rebuild_requested_at=None
        )
    return written


def requeue_stuck_rebuilds(now: datetime.datetime | None = None) -> list[int]:
    """Send again the rebuilds whose message was lost (the broker was down at commit, or the
    worker died mid-rebuild); what the beat sweeper runs. Each request's time moves to now, so
    the next sweeps leave it alone while it waits in the queue."""
    now = now or timezone.now()
    ids = list(
        Practice.objects.filter(progress_rebuild_requested_at__lt=now - REBUILD_STUCK_AFTER)
        .order_by("progress_rebuild_requested_at")
        .values_list("pk", flat=True)[:100]
    )
    if ids:
        Practice.objects.filter(pk__in=ids).update(progress_rebuild_requested_at=now)
        for practice_id in ids:
            enqueue_on_commit(rebuild_practice_progress, practice_id)
        logger.warning("re-enqueued %s practice progress rebuild(s): %s", len(ids), ids)
    return ids


# --- When a row counts as overdue ------------------------------------------------------------


def overdue_q(now: datetime.datetime):
    """A questionnaire link expired unanswered since the client last answered, or an open link
    is past its expiry (the expiry sweep has not run yet)."""
    return Q(progress__missed_since__isnull=False) | Q(progress__link_expires_at__lte=now)
