"""The client's progress page and trajectory API: every scored instrument a client answered, in a
period, judged with the practice's numbers, with the inputs of its charts."""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from assessments.models import Response
from clients.models import episode_starts

from .chart_inputs import plane_chart, trajectory_charts
from .history import RESPONSE_FIELDS, InstrumentTrajectory, judge_history, load_versions
from .judging import Judge
from .numbers import practice_numbers

# The dates a period may take (page and API).
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)


@dataclass
class ClientTrajectory:
    client: object
    start: datetime.date
    end: datetime.date
    instruments: list[InstrumentTrajectory]
    notes: list  # clients.notes.NoteMarker
    time_zone: str
    episodes: list = field(default_factory=list)  # clients.models.Episode, oldest first

    @property
    def has_earlier_episodes(self) -> bool:
        return len(self.episodes) > 1


def _bounds(end: datetime.date, zone) -> datetime.datetime:
    """The first instant after the local day ``end``."""
    return datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), zone)


def client_trajectory(
    user,
    client,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    *,
    note_markers: Iterable = (),
) -> ClientTrajectory:
    """Every scored instrument ``client`` answered, administrations from ``start`` to ``end``
    (local dates in the client's time zone, inclusive; by default the whole history, from the
    first administration to the latest), judged with the practice's numbers. The caller found
    ``client`` through ``Client.objects.visible_to(user)``; responses are read through it again.

    ``note_markers`` are the session notes to draw on the charts' time axis, oldest first, each
    with a ``date`` and a ``label``: what ``clients.notes.note_markers`` gives, read by the
    caller (session notes sit above this layer). Those dated outside the period are left out.

    Baselines and change are judged within the client's episodes of care (one query): the
    current episode's are the instrument's; earlier episodes' administrations are marked and
    drawn grey on the charts."""
    zone = zoneinfo.ZoneInfo(client.effective_time_zone)
    episodes = sorted(client.episodes.all(), key=lambda e: (e.started_at, e.pk))  # prefetched?
    starts = episode_starts(episodes)
    responses = Response.objects.of_client(user, client)
    if end is not None:
        responses = responses.filter(submitted_at__lt=_bounds(end, zone))
    rows = list(responses.order_by("submitted_at", "pk").values(*RESPONSE_FIELDS, "result__style"))
    if end is None:  # the whole history: up to the latest administration, else today
        last = rows[-1]["submitted_at"] if rows else datetime.datetime.now(zone)
        end = last.astimezone(zone).date()
    versions = load_versions({row["instrument_version_id"] for row in rows})
    numbers = practice_numbers(client.practice_id, {row["instrument_id"] for row in rows})
    by_instrument: dict[int, list[dict]] = {}
    for row in rows:
        by_instrument.setdefault(row["instrument_id"], []).append(row)
    trajectories = []
    for instrument_id, instrument_rows in by_instrument.items():
        instrument = versions[instrument_rows[-1]["instrument_version_id"]].instrument
        trajectory = judge_history(
            instrument,
            instrument_rows,
            versions,
            Judge(numbers[instrument_id]),
            zone=zone,
            start=start,
            episode_starts=starts,
        )
        if trajectory is not None:
            trajectories.append(trajectory)
    trajectories.sort(key=lambda t: (t.name, t.code))
    first = min((row["submitted_at"].astimezone(zone).date() for row in rows), default=None)
    start_day = start or min(first or end, end)
    markers = [m for m in note_markers if (start is None or m.date >= start) and m.date <= end]
    current_start = starts[-1].astimezone(zone).date() if len(starts) > 1 else None
    for trajectory in trajectories:
        trajectory.charts = trajectory_charts(
            trajectory, start_day, end, markers, episode_start=current_start
        )
        trajectory.plane = plane_chart(trajectory)
    return ClientTrajectory(
        client=client,
        start=start_day,
        end=end,
        instruments=trajectories,
        notes=markers,
        time_zone=client.effective_time_zone,
        episodes=episodes,
    )
