"""Score rows for CSV: one row per administration and subscale, with the band, the style and the
reliable-change label and the numbers behind it (baseline, change, RCI, critical value, margin),
exactly as the client's trajectory judges them (``assessments.trajectory.judge_history``), never
recomputed here: within each episode of care, against that episode's baseline (``episode``
counts a client's episodes from 1).

Clients are read in chunks, so a practice of thousands streams in steady memory: per chunk one
query for the clients, one for their responses, one for their episodes of care, the practice's
numbers (three) and the instrument versions not seen yet.
"""

import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from assessments.models import Response
from assessments.trajectory import (
    RESPONSE_FIELDS,
    Administration,
    Change,
    InstrumentTrajectory,
    Judge,
    judge_history,
    load_versions,
    practice_numbers,
)
from clients.models import Client, Episode

CHUNK = 200
COLUMNS = (
    "client_id",
    "client_reference",
    "client_name",
    "instrument",
    "instrument_version",
    "administration_id",
    "date",
    "submitted_at",
    "complete",
    "subscale",
    "score",
    "band",
    "style",
    "is_baseline",
    "baseline_date",
    "baseline_score",
    "change_since_baseline",
    "rci",
    "critical_value",
    "reliable_change_margin",
    "reliable_change",
    "reliable_change_reason",
    "clinically_significant",
    "previous_score",
    "change_since_previous",
    "rci_since_previous",
    "reliable_change_since_previous",
    "earned_security",
    "episode",
)


def _chunks(values: Iterable, size: int) -> Iterator[list]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _change_cells(change: Change | None) -> list:
    if change is None:
        return ["", "", "", "", "", ""]
    return [
        change.difference,
        change.rci,
        change.margin,
        change.label,
        change.reason,
        change.clinically_significant,
    ]


def _admin_rows(
    client: Client, trajectory: InstrumentTrajectory, admin: Administration, version: str
) -> Iterator[list]:
    baseline = next(  # the baseline of the administration's own episode of care
        (a for a in trajectory.administrations if a.is_baseline and a.episode == admin.episode),
        None,
    )
    baseline_scores = {s.key: s.score for s in baseline.scores} if baseline else {}
    style = admin.style_label or admin.style_note
    earned = (admin.earned_security or {}).get("status", "")
    for score in admin.scores:
        since_baseline = (admin.since_baseline or {}).get(score.key)
        since_previous = (admin.since_previous or {}).get(score.key)
        difference, rci, margin, label, reason, significant = _change_cells(since_baseline)
        yield [
            str(client.pk),
            client.external_reference,
            client.full_name,
            trajectory.code,
            version,
            admin.response_id,
            admin.date.isoformat(),
            admin.at.isoformat(),
            admin.complete,
            score.key,
            score.score,
            score.band,
            style,
            admin.is_baseline,
            baseline.date.isoformat() if baseline else "",
            baseline_scores.get(score.key),
            difference,
            rci,
            trajectory.critical_value if since_baseline is not None else None,
            margin,
            label,
            reason,
            significant,
            since_previous.before if since_previous is not None else None,
            since_previous.difference if since_previous is not None else None,
            since_previous.rci if since_previous is not None else None,
            since_previous.label if since_previous is not None else "",
            earned,
            admin.episode,
        ]


def score_rows(
    user,
    clients,
    *,
    only=None,
    on_clients: Callable[[list[Client]], None] | None = None,
) -> Iterator[list]:
    """Rows in ``COLUMNS`` order for ``clients`` (a queryset the caller scoped with
    ``Client.objects.visible_to(user)``), by client name, instrument and date. ``only``, a
    queryset of responses, keeps the rows of those administrations (each still judged against
    the client's whole history). ``on_clients`` is called with each chunk of clients before
    their rows are read (to audit them)."""
    if only is not None:
        clients = clients.filter(pk__in=only.values("client_id"))
        only = set(only.values_list("pk", flat=True))
    # The ids only (a few hundred kB for ten thousand clients), read at once so no cursor stays
    # open while the rows are read.
    ids = list(clients.order_by("full_name", "pk").values_list("pk", flat=True))
    versions: dict = {}
    for chunk in _chunks(ids, CHUNK):
        by_id = Client.objects.select_related("practice").in_bulk(chunk)
        chunk_clients = [by_id[pk] for pk in chunk if pk in by_id]
        if on_clients is not None:
            on_clients(chunk_clients)
        responses = list(
            Response.objects.visible_to(user)
            .filter(client_id__in=chunk)
            .order_by("client_id", "instrument_id", "submitted_at", "pk")
            .values(*RESPONSE_FIELDS, "result__style", "instrument_version__label")
        )
        starts: dict = {}
        for client_id, started_at in (
            Episode.objects.filter(client_id__in=chunk)
            .order_by("client_id", "started_at", "pk")
            .values_list("client_id", "started_at")
        ):
            starts.setdefault(client_id, []).append(started_at)
        yield from _chunk_rows(chunk_clients, responses, versions, only, starts)


def _chunk_rows(
    clients: list[Client], responses: list[dict], versions: dict, only, starts: dict
) -> Iterator:
    load_versions({row["instrument_version_id"] for row in responses}, versions)
    labels = {row["pk"]: f"{row['instrument_version__label']}" for row in responses}
    numbers_by_practice: dict = {}
    grouped: dict = {}
    for row in responses:
        grouped.setdefault(row["client_id"], {}).setdefault(row["instrument_id"], []).append(row)
    for client in clients:
        zone = zoneinfo.ZoneInfo(client.effective_time_zone)
        instruments = grouped.get(client.pk, {})
        if client.practice_id not in numbers_by_practice:
            numbers_by_practice[client.practice_id] = practice_numbers(
                client.practice_id, {r["instrument_id"] for r in responses}
            )
        numbers = numbers_by_practice[client.practice_id]
        trajectories = []
        for instrument_id, rows in instruments.items():
            instrument = versions[rows[-1]["instrument_version_id"]].instrument
            trajectory = judge_history(
                instrument,
                rows,
                versions,
                Judge(numbers[instrument_id]),
                zone=zone,
                episode_starts=starts.get(client.pk, ()),
            )
            if trajectory is not None:
                trajectories.append(trajectory)
        trajectories.sort(key=lambda t: (t.code, t.name))
        for trajectory in trajectories:
            for admin in trajectory.administrations:
                if only is None or admin.response_id in only:
                    yield from _admin_rows(client, trajectory, admin, labels[admin.response_id])
