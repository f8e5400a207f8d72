"""Score trajectories: every instrument a client answered, over time, with reliable change.

``client_trajectory(user, client, start, end)`` is what the client's progress page and the
trajectory API show: per instrument, each administration (date, subscale scores, band, style,
completeness) with its change since the baseline and since the previous administration, the
reliable-change label of each (improved / no reliable change / deteriorated / not available and
why), earned security, and the inputs of the two charts (``assessments.charts``). No HTML here.

The numbers reliable change needs (the practice's settings, cited values and baseline sample) are
read once per page for every instrument, so the query count does not grow with the number of
administrations: responses (1), their instrument versions (1), the practice's numbers (3), note
markers (2). ``practice.progress`` builds the dashboard rows with the same judging code.

The baseline is the client's first complete administration of the instrument, as in
``ClientInstrumentSummary``; it may lie before the chosen period and is then shown as such.
"""

import datetime
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assessments import charts, scoring
from assessments.models import (
    CitedValueKind,
    InstrumentVersion,
    PracticeCitedValue,
    PracticeInstrumentSettings,
    Response,
)

EARNED_LABELS = {
    "earned": "Earned security",
    "quadrant_move_only": "Moved to secure (not shown to be reliable)",
    "not_earned": "Not earned security",
}
# Short words for tables and badges; the scoring engine's labels are the long form.
CHANGE_WORDS = {
    scoring.IMPROVED: "Improved",
    scoring.NO_RELIABLE_CHANGE: "No reliable change",
    scoring.DETERIORATED: "Deteriorated",
    scoring.NOT_AVAILABLE: "Not available",
}
# What a response row gives the trajectory: no answers, and of the engine's result only the
# style (its label, rule and split points); the scores have their own columns.
# The dates a period may take (page and API).
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)
RESPONSE_FIELDS = (
    "pk",
    "client_id",
    "instrument_id",
    "instrument_version_id",
    "submitted_at",
    "status",
    "scores",
    "quadrant",
    "total",
    "band",
)


# --- The practice's numbers for reliable change ----------------------------------------------


@dataclass
class InstrumentNumbers:
    """What reliable change needs for one instrument in one practice, read in bulk once."""

    critical_value: float | None = None
    min_baselines: int | None = None
    values: dict = field(default_factory=dict)  # subscale -> kind -> {"value", "source"}
    baseline_spread: dict = field(default_factory=dict)  # subscale -> {"n", "sd"} of the sample


def practice_numbers(practice_id, instrument_ids: Iterable[int]) -> dict[int, InstrumentNumbers]:
    """The practice's settings, cited values and baseline samples for ``instrument_ids``: three
    queries, however many instruments."""
    from practice.models import PracticeBaselineScores

    ids = set(instrument_ids)
    numbers = {pk: InstrumentNumbers() for pk in ids}
    if not ids:
        return numbers
    for row in PracticeInstrumentSettings.objects.filter(
        practice_id=practice_id, instrument_id__in=ids
    ):
        entry = numbers[row.instrument_id]
        entry.critical_value = float(row.rci_critical_value) if row.rci_critical_value else None
        entry.min_baselines = row.min_baselines or None
    for row in PracticeCitedValue.objects.filter(practice_id=practice_id, instrument_id__in=ids):
        numbers[row.instrument_id].values.setdefault(row.subscale, {})[row.kind] = {
            "value": float(row.value),
            "source": row.citation,
        }
    # The sample's size and SD only: the scores themselves grow with the practice.
    for instrument_id, spread in PracticeBaselineScores.objects.filter(
        practice_id=practice_id, instrument_id__in=ids
    ).values_list("instrument_id", "spread"):
        numbers[instrument_id].baseline_spread = spread
    return numbers


def rci_parameters(definition: dict, numbers: InstrumentNumbers) -> dict[str, dict]:
    """``services.reliable_change_parameters`` from numbers already read (a test keeps the two
    in step): per subscale, the reliability and SD reliable change uses, or why none applies."""
    subscales = scored_subscales(definition)
    if not subscales:
        return {}  # a free-text worksheet: nothing to judge
    min_baselines = (
        numbers.min_baselines or definition["reliable_change"]["min_baselines_for_practice_sd"]
    )
    return {
        subscale["key"]: scoring.rci_parameters(
            subscale,
            practice_values={
                kind: numbers.values[subscale["key"]][kind]
                for kind in (CitedValueKind.RELIABILITY, CitedValueKind.SD)
                if kind in numbers.values.get(subscale["key"], {})
            },
            baseline_spread=numbers.baseline_spread.get(subscale["key"], {"n": 0, "sd": None}),
            min_baselines=min_baselines,
        )
        for subscale in subscales
    }


def scored_subscales(definition: dict) -> list[dict]:
    return list(definition.get("scoring", {}).get("subscales", []))


def is_attachment(definition: dict) -> bool:
    """Attachment instruments classify into the four styles on two dimensions."""
    return (definition.get("classification") or {}).get("method") == "quadrant"


# --- Judging change --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """Change on one subscale between two administrations."""

    label: str  # one of scoring.IMPROVED, NO_RELIABLE_CHANGE, DETERIORATED, NOT_AVAILABLE
    reason: str = ""  # why reliable change is not available
    before: float | None = None
    after: float | None = None
    difference: float | None = None
    rci: float | None = None
    margin: float | None = None  # the smallest change that counts as reliable, in score units
    clinically_significant: bool | None = None

    @property
    def word(self) -> str:
        return CHANGE_WORDS.get(self.label, self.label)

    @property
    def css(self) -> str:
        return self.label.replace(" ", "-")


def _change(entry: dict) -> Change:
    change = entry["reliable_change"]
    significant = entry.get("clinically_significant") or {}
    return Change(
        label=entry["label"],
        reason="" if change.get("available") else change.get("reason", ""),
        before=entry["before"],
        after=entry["after"],
        difference=(
            entry["after"] - entry["before"]
            if entry["before"] is not None and entry["after"] is not None
            else None
        ),
        rci=change.get("rci"),
        margin=change.get("reliable_change_margin"),
        clinically_significant=significant.get("significant")
        if significant.get("available")
        else None,
    )


def _engine_result(row: dict, definition: dict) -> dict:
    """The part of a stored result ``scoring.compare`` reads, from the response's own columns."""
    scores = row["scores"] or {}
    return {
        "subscales": {
            s["key"]: {"score": (scores.get(s["key"]) or {}).get("score")}
            for s in scored_subscales(definition)
        },
        "style": {"quadrant": row["quadrant"] or None},
    }


class Judge:
    """Reliable change and earned security for one instrument with one practice's numbers;
    each version's parameters are worked out once."""

    def __init__(self, numbers: InstrumentNumbers):
        self.numbers = numbers
        self._parameters: dict[int, dict] = {}

    def parameters(self, version: InstrumentVersion) -> dict:
        if version.pk not in self._parameters:
            self._parameters[version.pk] = rci_parameters(version.definition, self.numbers)
        return self._parameters[version.pk]

    def critical_value(self, definition: dict) -> float:
        return self.numbers.critical_value or definition.get("reliable_change", {}).get(
            "critical_value", 1.96
        )

    def compare(self, before: dict, after: dict, version: InstrumentVersion) -> dict:
        """``scoring.compare`` between two response rows, judged with the later one's version
        (as ``services.compare_results`` does)."""
        definition = version.definition
        return scoring.compare(
            definition,
            _engine_result(before, definition),
            _engine_result(after, definition),
            self.parameters(version),
            critical_value=self.numbers.critical_value,
        )

    def margins(self, version: InstrumentVersion) -> dict[str, float | None]:
        """Per subscale: critical value x SE_diff (the reliable-change margin), or None."""
        definition = version.definition
        out = {}
        for key, params in self.parameters(version).items():
            out[key] = None
            if params.get("available"):
                out[key] = scoring.reliable_change(
                    0.0,
                    0.0,
                    reliability=params["reliability"]["value"],
                    sd=params["sd"]["value"],
                    better="lower",
                    critical_value=self.critical_value(definition),
                )["reliable_change_margin"]
        return out


# --- One instrument's history ----------------------------------------------------------------


@dataclass
class SubscaleScore:
    key: str
    label: str
    score: float | None
    band: str


@dataclass
class Administration:
    response_id: int
    at: datetime.datetime
    date: datetime.date  # in the client's time zone
    complete: bool
    scores: list[SubscaleScore]
    total: float | None
    band: str
    style: str  # quadrant key, "" when none
    style_label: str
    style_note: str  # why there is no style (on the split point, incomplete...)
    is_baseline: bool = False
    in_period: bool = True
    since_baseline: dict[str, Change] | None = None
    since_previous: dict[str, Change] | None = None
    earned_security: dict | None = None
    _row: dict | None = field(default=None, repr=False)


@dataclass
class InstrumentTrajectory:
    instrument: object
    code: str
    name: str
    short_name: str
    definition: dict  # of the latest administration's version
    subscales: list[dict]  # its scored subscales: key, label, better, range, bands
    attachment: bool
    administrations: list[Administration]  # in the period, oldest first
    baseline: Administration | None
    previous: Administration | None
    latest: Administration | None  # the latest in the period
    since_baseline: dict[str, Change] | None
    since_previous: dict[str, Change] | None
    earned_security: dict | None
    earned_security_since: datetime.datetime | None
    parameters: dict[str, dict]
    margins: dict[str, float | None]
    critical_value: float
    responses_count: int
    charts: list = field(default_factory=list)  # charts.TrajectoryChart
    plane: object = None  # charts.PlaneChart or None

    @property
    def earned_label(self) -> str:
        status = (self.earned_security or {}).get("status")
        return EARNED_LABELS.get(status, "") if status else ""

    @property
    def baseline_before_period(self) -> bool:
        return self.baseline is not None and not self.baseline.in_period


def _style(row: dict) -> tuple[str, str, str]:
    style = row.get("result__style") or {}
    quadrant = row["quadrant"] or ""
    if quadrant:
        return quadrant, scoring.STYLES.get(quadrant, quadrant), ""
    if not style:
        return "", "", ""
    return "", "", style.get("reason") or ""


def _administration(row: dict, definition: dict, zone) -> Administration:
    scores = row["scores"] or {}
    quadrant, label, note = _style(row)
    return Administration(
        response_id=row["pk"],
        at=row["submitted_at"],
        date=row["submitted_at"].astimezone(zone).date(),
        complete=row["status"] == "complete",
        scores=[
            SubscaleScore(
                key=s["key"],
                label=s["label"],
                score=(scores.get(s["key"]) or {}).get("score"),
                band=(scores.get(s["key"]) or {}).get("band") or "",
            )
            for s in scored_subscales(definition)
        ],
        total=row["total"],
        band=row["band"] or "",
        style=quadrant,
        style_label=label,
        style_note=note,
        _row=row,
    )


def _subscale_info(definition: dict) -> list[dict]:
    info = []
    for subscale in scored_subscales(definition):
        low, high = scoring.subscale_range(definition, subscale)
        info.append(
            {
                "key": subscale["key"],
                "label": subscale["label"],
                "better": subscale["better"],
                "range": (float(low), float(high)),
                "bands": [
                    {"min": b["min"], "max": b["max"], "label": b["label"]}
                    for b in subscale.get("bands") or []
                ],
            }
        )
    return info


def _changes(comparison: dict) -> dict[str, Change]:
    return {key: _change(entry) for key, entry in comparison["subscales"].items()}


def judge_history(
    instrument,
    rows: Sequence[dict],
    versions: dict[int, InstrumentVersion],
    judge: Judge,
    *,
    zone=datetime.UTC,
    start: datetime.date | None = None,
    with_previous: bool = True,
) -> InstrumentTrajectory | None:
    """One instrument's administrations (``rows``: response values, oldest first, none after the
    period's end) judged against the baseline and the previous one. ``None`` for an instrument
    without scores (a free-text worksheet)."""
    if not rows:
        return None
    latest_version = versions[rows[-1]["instrument_version_id"]]
    definition = latest_version.definition
    if not scored_subscales(definition):
        return None
    baseline_index = next((i for i, row in enumerate(rows) if row["status"] == "complete"), None)
    history: list[Administration] = []
    earned_since = None
    for index, row in enumerate(rows):
        version = versions[row["instrument_version_id"]]
        admin = _administration(row, version.definition, zone)
        admin.in_period = start is None or admin.date >= start
        admin.is_baseline = index == baseline_index
        if baseline_index is not None and index > baseline_index:
            comparison = judge.compare(rows[baseline_index], row, version)
            admin.since_baseline = _changes(comparison)
            admin.earned_security = comparison["earned_security"]
        if with_previous and index > 0:
            admin.since_previous = _changes(judge.compare(rows[index - 1], row, version))
        # Earned security holds from the first administration of the current unbroken run.
        earned = (admin.earned_security or {}).get("status") == "earned"
        earned_since = (earned_since or admin.at) if earned else None
        history.append(admin)

    shown = [admin for admin in history if admin.in_period]
    latest = shown[-1] if shown else None
    previous = None
    if latest is not None and history.index(latest) > 0:
        previous = history[history.index(latest) - 1]
    baseline = next((admin for admin in history if admin.is_baseline), None)
    return InstrumentTrajectory(
        instrument=instrument,
        code=instrument.code,
        name=definition["name"],
        short_name=definition.get("short_name") or definition["name"],
        definition=definition,
        subscales=_subscale_info(definition),
        attachment=is_attachment(definition),
        administrations=shown,
        baseline=baseline,
        previous=previous,
        latest=latest,
        since_baseline=latest.since_baseline if latest else None,
        since_previous=latest.since_previous if latest else None,
        earned_security=latest.earned_security if latest else None,
        earned_security_since=earned_since if latest is history[-1] else None,
        parameters=judge.parameters(latest_version),
        margins=judge.margins(latest_version),
        critical_value=judge.critical_value(definition),
        responses_count=len(history),
    )


def load_versions(version_ids: Iterable[int], cache: dict | None = None) -> dict:
    """Instrument versions by id (with their instrument), one query for the ones not cached."""
    cache = {} if cache is None else cache
    missing = set(version_ids) - set(cache)
    if missing:
        for version in InstrumentVersion.objects.filter(pk__in=missing).select_related(
            "instrument"
        ):
            cache[version.pk] = version
    return cache


# --- The client's page and API ---------------------------------------------------------------


@dataclass
class ClientTrajectory:
    client: object
    start: datetime.date
    end: datetime.date
    instruments: list[InstrumentTrajectory]
    notes: list  # clients.notes.NoteMarker
    time_zone: str


def _bounds(end: datetime.date, zone) -> datetime.datetime:
    """The first instant after the local day ``end``."""
    return datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), zone)


def client_trajectory(
    user,
    client,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    *,
    with_notes: bool = True,
) -> ClientTrajectory:
    """Every scored instrument ``client`` answered, administrations from ``start`` to ``end``
    (local dates in the client's time zone, inclusive; by default the whole history, from the
    first administration to the latest), judged with the practice's numbers. The caller found
    ``client`` through ``Client.objects.visible_to(user)``; responses and notes are read
    through it again."""
    from clients import notes as note_services

    zone = zoneinfo.ZoneInfo(client.effective_time_zone)
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
        )
        if trajectory is not None:
            trajectories.append(trajectory)
    trajectories.sort(key=lambda t: (t.name, t.code))
    first = min((row["submitted_at"].astimezone(zone).date() for row in rows), default=None)
    start_day = start or min(first or end, end)
    markers = note_services.note_markers(user, client, start, end) if with_notes else []
    for trajectory in trajectories:
        trajectory.charts = trajectory_charts(trajectory, start_day, end, markers)
        trajectory.plane = plane_chart(trajectory)
    return ClientTrajectory(
        client=client,
        start=start_day,
        end=end,
        instruments=trajectories,
        notes=markers,
        time_zone=client.effective_time_zone,
    )


# --- Chart inputs ----------------------------------------------------------------------------


def trajectory_charts(
    trajectory: InstrumentTrajectory, start: datetime.date, end: datetime.date, markers=()
) -> list:
    """One chart per group of subscales that share a range (ECR-R's two dimensions share one;
    a total with severity bands has its own), each with the bands of a lone subscale, the
    baseline marked and session notes on the time axis."""
    groups: dict[tuple, list[dict]] = {}
    for subscale in trajectory.subscales:
        groups.setdefault(subscale["range"], []).append(subscale)
    shown = list(trajectory.administrations)
    notes = [charts.NoteMarker(date=m.date, label=m.label) for m in markers]
    baseline_day = trajectory.baseline.date if trajectory.baseline else None
    out = []
    for number, ((low, high), members) in enumerate(groups.items()):
        better = {m["better"] for m in members}
        scale = charts.YScale(
            low,
            high,
            f"{trajectory.short_name} {'score' if len(members) == 1 else 'scores'} "
            f"({charts.format_score(low)}-{charts.format_score(high)})",
            better=better.pop() if len(better) == 1 else None,
        )
        bands = []
        if len(members) == 1 and members[0]["bands"]:
            bands = charts.contiguous_bands(
                [(b["min"], b["max"], b["label"]) for b in members[0]["bands"]], scale
            )
        series = []
        for style, subscale in enumerate(members):
            points = []
            for admin in shown:
                score = next(s.score for s in admin.scores if s.key == subscale["key"])
                if score is not None:
                    points.append(
                        charts.Point(admin.date, score, "baseline" if admin.is_baseline else None)
                    )
            series.append(charts.Series(subscale["label"], points, style=style))
        out.append(
            charts.TrajectoryChart(
                title=f"{trajectory.short_name}: {', '.join(m['label'] for m in members)}",
                y=scale,
                start=start,
                end=end,
                series=series,
                bands=bands,
                baseline=baseline_day,
                notes=notes,
                id_prefix=f"t-{trajectory.code}-{number}",
            )
        )
    return out


def _split(trajectory: InstrumentTrajectory) -> dict | None:
    """The split points the latest classification used, else the instrument's default rule."""
    for admin in reversed(trajectory.administrations):
        dimensions = ((admin._row or {}).get("result__style") or {}).get("dimensions") or {}
        if all(
            (dimensions.get(n) or {}).get("split") is not None for n in ("anxiety", "avoidance")
        ):
            return {n: dimensions[n]["split"] for n in ("anxiety", "avoidance")}
    return scoring.classification_split(trajectory.definition).get("split")


def plane_keys(trajectory: InstrumentTrajectory) -> dict[str, str] | None:
    """Subscale keys of the anxiety and avoidance dimensions, for attachment instruments."""
    if not trajectory.attachment:
        return None
    return dict(trajectory.definition["classification"]["dimensions"])


def plane_chart(trajectory: InstrumentTrajectory):
    """The anxiety x avoidance plane with the four quadrants, the path from baseline to latest,
    and the reliable-change margin around the baseline when both dimensions have one."""
    keys = plane_keys(trajectory)
    split = _split(trajectory) if keys else None
    if not keys or not split:
        return None
    ranges = {s["key"]: s["range"] for s in trajectory.subscales}
    if keys["anxiety"] not in ranges or keys["avoidance"] not in ranges:
        return None
    shown = list(trajectory.administrations)
    if trajectory.baseline is not None and trajectory.baseline not in shown:
        shown.insert(0, trajectory.baseline)  # the path always starts at the baseline
    path = []
    for admin in shown:
        scores = {s.key: s.score for s in admin.scores}
        x, y = scores.get(keys["avoidance"]), scores.get(keys["anxiety"])
        if x is not None and y is not None:
            path.append(charts.PlanePoint(admin.date, x, y, admin.style_label or None))
    rc_x, rc_y = trajectory.margins.get(keys["avoidance"]), trajectory.margins.get(keys["anxiety"])
    if rc_x is None or rc_y is None:
        rc_x = rc_y = None
    x_range, y_range = ranges[keys["avoidance"]], ranges[keys["anxiety"]]
    return charts.PlaneChart(
        title=f"{trajectory.short_name}: anxiety and avoidance",
        x_axis=charts.PlaneAxis("Avoidance", x_range[0], x_range[1], split["avoidance"]),
        y_axis=charts.PlaneAxis("Anxiety", y_range[0], y_range[1], split["anxiety"]),
        quadrants=[
            charts.Quadrant("low", "low", scoring.STYLES["secure"], secure=True),
            charts.Quadrant("low", "high", scoring.STYLES["anxious-preoccupied"]),
            charts.Quadrant("high", "low", scoring.STYLES["dismissive-avoidant"]),
            charts.Quadrant("high", "high", scoring.STYLES["fearful-avoidant"]),
        ],
        path=path,
        rc_x=rc_x,
        rc_y=rc_y,
        id_prefix=f"p-{trajectory.code}",
    )
