"""What a report shows, gathered from the database once as plain data for the print template.

``gather(report)`` reads the practice, the client, the questionnaires answered in the period,
safety alerts and (clinical record only) session-note summaries, and returns ``ReportContent``;
``render_html(content)`` lays it out with ``clients/reports/pdf/report.html``.

The questionnaire data arrives through a small interface, ``AssessmentSource``: per instrument,
the administrations in the period and the client's baseline (``InstrumentHistory``), and the
alert history (``AlertRecord``). ``StoredResponses`` implements it over the stored responses;
tests hand in their own. Everything shown about scores comes from the scoring engine's stored
results and ``assessments.scoring.compare`` with the practice's numbers, never from code that
knows an instrument by name.

Audience decides content, not only wording: the client-friendly version carries no session notes,
no note markers, no alert history and no clinician-only statistics; it explains each result in
plain language instead.
"""

import base64
import datetime
import re
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.template.loader import render_to_string
from django.utils import timezone

from assessments import scoring
from assessments.charts import (
    NoteMarker,
    PlaneAxis,
    PlaneChart,
    PlanePoint,
    Point,
    Quadrant,
    Series,
    TrajectoryChart,
    YScale,
    contiguous_bands,
    format_date,
    format_score,
    plane_svg,
    trajectory_svg,
)
from clients import notes as note_services
from clients.models import Client, Report, SessionNote
from practice.models import PaperSize

NOTE_EXCERPT_CHARS = 320
DEFAULT_ACCENT = "#2f5d62"
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\Z")


# --- The interface to questionnaire data --------------------------------------------------------


@dataclass(frozen=True)
class Administration:
    """One completed questionnaire: when, the engine's result (``score_answers`` output) and the
    instrument version it was answered on (its ``definition`` judges the change)."""

    at: datetime.datetime
    result: dict
    version: object


@dataclass(frozen=True)
class InstrumentHistory:
    """One instrument for one client: administrations in the period (oldest first), and the
    client's baseline, the first complete administration ever, which may predate the period.

    ``baseline_scores`` maps subscale keys to the practice's baseline scores, from which
    reliable change may take the practice's own SD.
    """

    instrument: object
    administrations: Sequence[Administration]
    baseline: Administration | None = None
    baseline_scores: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AlertRecord:
    raised_at: datetime.datetime
    instrument: str
    rule: str
    acknowledged_at: datetime.datetime | None = None
    acknowledged_by: str = ""


class AssessmentSource(Protocol):
    def histories(
        self, client: Client, start: datetime.datetime, end: datetime.datetime, codes: Sequence[str]
    ) -> list[InstrumentHistory]:
        """Instruments with an administration between ``start`` and ``end`` (``codes`` limits
        them when not empty), ordered by instrument name."""

    def alerts(
        self, client: Client, start: datetime.datetime, end: datetime.datetime
    ) -> list[AlertRecord]:
        """Alerts raised between ``start`` and ``end``, oldest first."""


class StoredResponses:
    """``AssessmentSource`` over the responses clients submit (assessments' ``Response``)."""

    def histories(self, client, start, end, codes):
        return []

    def alerts(self, client, start, end):
        return []


# --- What the template receives -------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str


@dataclass
class ScoreRow:
    date: str
    note: str  # "Baseline", "Baseline (before this period)", "Latest"
    cells: list[str]  # one per column: "14 · Moderate"
    style: str = ""
    change: str = ""  # since baseline, per subscale


@dataclass
class InstrumentSection:
    name: str
    short_name: str
    citations: list[dict]
    columns: list[Column]
    rows: list[ScoreRow]
    charts: list[dict]  # {"uri": data URI, "description": text}
    summary: list[str]  # plain sentences: baseline -> latest, bands, change
    method_notes: list[str] = field(default_factory=list)  # clinical: RC parameters or reasons
    style_line: str = ""
    earned_security: dict | None = None  # {"status", "label", "reason"}


@dataclass
class NoteSummary:
    date: datetime.date
    title: str
    detail: str
    tags: list[str]
    excerpt: str
    addenda: int


@dataclass
class ReportContent:
    report: Report
    practice: object
    client: Client
    clinical: bool
    period_start: datetime.date
    period_end: datetime.date
    generated_at: datetime.datetime
    requested_by: str
    paper: str
    accent: str
    letterhead: list[str]
    sections: list[InstrumentSection]
    alerts: list[AlertRecord]
    notes: list[NoteSummary]
    notes_requested: bool


class ReportNotAllowed(Exception):
    """The requester can no longer see the client; nothing is gathered."""


# --- Gathering --------------------------------------------------------------------------------


def period_bounds(report: Report) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as instants: from the start day's midnight to the midnight after the end day,
    in the client's time zone."""
    zone = zoneinfo.ZoneInfo(report.client.effective_time_zone)
    start = datetime.datetime.combine(report.period_start, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        report.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def gather(
    report: Report,
    source: AssessmentSource | None = None,
    progress: Callable[[int], None] = lambda percent: None,
) -> ReportContent:
    """Everything ``report`` shows, read as its requester may see it."""
    client, practice, user = report.client, report.practice, report.requested_by
    if user is None or not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        raise ReportNotAllowed()
    source = source or StoredResponses()
    clinical = report.audience == Report.Audience.CLINICAL
    start, end = period_bounds(report)
    local_zone = zoneinfo.ZoneInfo(client.effective_time_zone)

    histories = source.histories(client, start, end, report.instruments or ())
    progress(25)
    markers = []
    if clinical:
        markers = [
            NoteMarker(m.date, m.label)
            for m in note_services.note_markers(
                user, client, report.period_start, report.period_end
            )
        ]
    sections = [
        build_section(
            practice, history, report.period_start, report.period_end, local_zone, clinical, markers
        )
        for history in histories
    ]
    progress(45)
    notes = []
    if clinical and report.include_notes:
        notes = note_summaries(user, client, report.period_start, report.period_end)
    return ReportContent(
        report=report,
        practice=practice,
        client=client,
        clinical=clinical,
        period_start=report.period_start,
        period_end=report.period_end,
        generated_at=timezone.now().astimezone(zoneinfo.ZoneInfo(practice.time_zone)),
        requested_by=user.get_full_name(),
        paper="letter" if practice.paper_size == PaperSize.LETTER else "A4",
        accent=practice.brand_colour
        if _HEX_COLOUR.match(practice.brand_colour or "")
        else DEFAULT_ACCENT,
        letterhead=[line for line in practice.report_letterhead.splitlines() if line.strip()],
        sections=sections,
        alerts=source.alerts(client, start, end) if clinical else [],
        notes=notes,
        notes_requested=clinical and report.include_notes,
    )


def render_html(content: ReportContent) -> str:
    return render_to_string("clients/reports/pdf/report.html", {"content": content})


def note_summaries(user, client: Client, start: datetime.date, end: datetime.date):
    """Signed notes about ``client`` dated ``start`` to ``end`` that ``user`` may read, oldest
    first, each with a short excerpt. Drafts are work in progress and stay out of reports."""
    found = (
        SessionNote.objects.visible_to(user)
        .signed()
        .filter(client=client, session_date__gte=start, session_date__lte=end)
        .select_related("author")
        .prefetch_related("tags", "addenda")
        .order_by("started_at", "created_at")
    )
    summaries = []
    for note in found:
        parts = [
            (f"{label}: {text}" if len(note.sections) > 1 else text)
            for _key, label, text in note.sections
            if text
        ]
        summaries.append(
            NoteSummary(
                date=note.session_date,
                title=f"{note.get_session_type_display()} session",
                detail=" · ".join(
                    [
                        note.get_modality_display(),
                        f"{note.duration_minutes} min",
                        str(note.author),
                    ]
                ),
                tags=sorted(tag.name for tag in note.tags.all()),
                excerpt=excerpt(" ".join(parts)),
                addenda=len(note.addenda.all()),
            )
        )
    return summaries


def excerpt(text: str, limit: int = NOTE_EXCERPT_CHARS) -> str:
    """``text`` on one line, cut at a word boundary near ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + " …"


# --- One instrument -------------------------------------------------------------------------


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _local_date(at: datetime.datetime, zone) -> datetime.date:
    return at.astimezone(zone).date()


def _scored_subscales(definition: dict) -> list[dict]:
    return list(definition.get("scoring", {}).get("subscales", []))


def _cell(result: dict, key: str) -> str:
    entry = (result.get("subscales") or {}).get(key) or {}
    if entry.get("score") is None:
        return "incomplete"
    text = format_score(entry["score"])
    return f"{text} · {entry['band']}" if entry.get("band") else text


class _Judge:
    """Reliable change for one instrument with the practice's numbers, looked up once."""

    def __init__(self, practice, history: InstrumentHistory):
        from assessments import services as assessment_services

        self.practice, self.history = practice, history
        self.instrument = history.instrument
        settings_row = assessment_services.practice_settings(practice, self.instrument)
        self.critical = (
            float(settings_row.rci_critical_value)
            if settings_row and settings_row.rci_critical_value
            else None
        )
        self._services = assessment_services
        self._parameters: dict = {}

    def parameters(self, definition: dict) -> dict:
        key = id(definition)
        if key not in self._parameters:
            self._parameters[key] = self._services.reliable_change_parameters(
                self.practice, self.instrument, definition, self.history.baseline_scores
            )
        return self._parameters[key]

    def compare(self, before: Administration, after: Administration) -> dict:
        definition = after.version.definition
        return scoring.compare(
            definition,
            before.result,
            after.result,
            self.parameters(definition),
            critical_value=self.critical,
        )


def build_section(
    practice,
    history: InstrumentHistory,
    period_start: datetime.date,
    period_end: datetime.date,
    zone,
    clinical: bool,
    markers: Sequence[NoteMarker] = (),
) -> InstrumentSection:
    """The section for one instrument: citations, charts, score table, change, style."""
    administrations = list(history.administrations)
    latest = administrations[-1] if administrations else None
    definition = (latest or history.baseline).version.definition
    subscales = _scored_subscales(definition)
    columns = [Column(s["key"], s["label"]) for s in subscales]
    judge = _Judge(practice, history)
    baseline = history.baseline

    shown = list(administrations)
    if baseline is not None and all(a.at != baseline.at for a in shown):
        shown.insert(0, baseline)
    rows = []
    for admin in shown:
        is_baseline = baseline is not None and admin.at == baseline.at
        note = ""
        if is_baseline:
            before_period = _local_date(admin.at, zone) < period_start
            note = "Baseline (before this period)" if before_period else "Baseline"
        elif admin is latest:
            note = "Latest"
        change = ""
        if baseline is not None and not is_baseline:
            change = _change_words(judge.compare(baseline, admin), subscales, clinical)
        rows.append(
            ScoreRow(
                date=format_date(_local_date(admin.at, zone)),
                note=note,
                cells=[_cell(admin.result, column.key) for column in columns],
                style=((admin.result.get("style") or {}).get("label") or ""),
                change=change,
            )
        )

    comparison = (
        judge.compare(baseline, latest)
        if baseline is not None and latest is not None and latest.at != baseline.at
        else None
    )
    section = InstrumentSection(
        name=definition["name"],
        short_name=definition.get("short_name") or definition["name"],
        citations=list(definition.get("citations", [])),
        columns=columns,
        rows=rows,
        charts=_charts(definition, shown, period_start, period_end, zone, comparison, markers),
        summary=_summary(definition, subscales, baseline, latest, comparison, clinical),
    )
    if clinical:
        section.method_notes = _method_notes(judge, definition, subscales)
    _style(section, definition, latest, comparison, clinical)
    return section


def _change_words(comparison: dict, subscales: list[dict], clinical: bool) -> str:
    words = []
    for subscale in subscales:
        label = comparison["subscales"][subscale["key"]]["label"]
        label = (PLAIN_CHANGE if not clinical else SHORT_CHANGE).get(label, label)
        words.append(f"{subscale['label']}: {label}" if len(subscales) > 1 else label)
    return "; ".join(words)


SHORT_CHANGE = {scoring.NOT_AVAILABLE: "not available"}
PLAIN_CHANGE = {
    scoring.IMPROVED: "better, by more than everyday ups and downs",
    scoring.NO_RELIABLE_CHANGE: "within everyday ups and downs",
    scoring.DETERIORATED: "harder, by more than everyday ups and downs",
    scoring.NOT_AVAILABLE: "too early to say",
}


def _score_words(entry: dict) -> str:
    text = format_score(entry["score"])
    return f"{text} ({entry['band']})" if entry.get("band") else text


def _summary(definition, subscales, baseline, latest, comparison, clinical) -> list[str]:
    """One sentence per subscale: where it started, where it is, what the change means. The
    clinical version's reasons for missing reliable change are in the method notes."""
    if latest is None:
        return ["No answers in this period."]
    lines = []
    for subscale in subscales:
        key, label = subscale["key"], subscale["label"]
        now = latest.result["subscales"][key]
        if now.get("score") is None:
            lines.append(f"{label}: the latest answers were incomplete.")
            continue
        was = baseline.result["subscales"][key] if comparison is not None else {}
        entry = comparison["subscales"][key] if comparison is not None else None
        if clinical:
            text = f"{label}: "
            if was.get("score") is not None:
                text += f"{_score_words(was)} at baseline → "
            text += f"{_score_words(now)} latest"
            if entry is not None:
                text += f"; {entry['label']}"
                significant = entry.get("clinically_significant") or {}
                if significant.get("available") and significant.get("significant"):
                    text += "; clinically significant change"
            lines.append(text + ".")
        else:
            direction = "lower" if subscale["better"] == "lower" else "higher"
            text = (
                f"{label}: {direction} scores mean things are going better. Your latest score "
                f"was {_score_words(now)}"
            )
            if was.get("score") is not None:
                text += f", compared with {_score_words(was)} at the start"
            if entry is not None:
                text += f". Change since the start: {PLAIN_CHANGE[entry['label']]}"
            lines.append(text + ".")
    return lines


def _method_notes(judge: _Judge, definition: dict, subscales: list[dict]) -> list[str]:
    notes = []
    parameters = judge.parameters(definition)
    critical = judge.critical or definition.get("reliable_change", {}).get("critical_value", 1.96)
    for subscale in subscales:
        entry = parameters.get(subscale["key"]) or {}
        if entry.get("available"):
            r, sd = entry["reliability"], entry["sd"]
            notes.append(
                f"{subscale['label']}: reliable change (Jacobson & Truax, 1991) with reliability "
                f"{format_score(r['value'])} ({r['source']}) and SD {format_score(sd['value'])} "
                f"({sd['source']}); critical value {format_score(critical)}."
            )
        else:
            notes.append(
                f"{subscale['label']}: reliable change not available: "
                f"{entry.get('reason', 'no parameters')}."
            )
    return notes


EARNED_LABELS = {
    "earned": "Earned security",
    "not_earned": "Not earned security",
    "quadrant_move_only": "Moved to secure (change not shown to be reliable)",
}
PLAIN_EARNED = {
    "earned": "Your answers have moved into the secure area of the chart, by more than everyday "
    "ups and downs would explain.",
    "not_earned": "Your answers have not (yet) moved into the secure area by more than everyday "
    "ups and downs would explain.",
    "quadrant_move_only": "Your answers have moved into the secure area of the chart. It is too "
    "early to say whether this is more than everyday ups and downs.",
}


def _style(section, definition, latest, comparison, clinical) -> None:
    classification = definition.get("classification")
    if not classification or latest is None:
        return
    style = latest.result.get("style") or {}
    if style.get("label"):
        section.style_line = (
            f"Latest style: {style['label']} ({style.get('rule', '')} rule)"
            if clinical
            else f"Your latest answers sit in the {style['label'].lower()} area of the chart. "
            "This describes how you relate to close others right now; it is not a diagnosis."
        )
    elif clinical:
        section.style_line = f"Latest style: not classified ({style.get('reason') or 'no result'})"
    verdict = (comparison or {}).get("earned_security")
    if verdict:
        section.earned_security = {
            "status": verdict["status"],
            "label": EARNED_LABELS.get(verdict["status"], verdict["status"]),
            "reason": verdict.get("reason", "")
            if clinical
            else PLAIN_EARNED.get(verdict["status"], ""),
        }


# --- Charts -----------------------------------------------------------------------------------


def _charts(definition, shown, period_start, period_end, zone, comparison, markers) -> list[dict]:
    """Trajectory charts (subscales sharing a range share a chart) and, for attachment
    instruments, the anxiety x avoidance plane. Both from ``assessments.charts``."""
    charts = []
    subscales = _scored_subscales(definition)
    groups: dict[tuple, list[dict]] = {}
    ranges = {}
    for subscale in subscales:
        low, high = scoring.subscale_range(definition, subscale)
        ranges[subscale["key"]] = (float(low), float(high))
        groups.setdefault(ranges[subscale["key"]], []).append(subscale)
    start = min([period_start, *(_local_date(a.at, zone) for a in shown)])
    baseline_day = _local_date(shown[0].at, zone) if shown else None
    short = definition.get("short_name") or definition["name"]
    for (low, high), members in groups.items():
        scale = YScale(
            low,
            high,
            f"{short} {'score' if len(members) == 1 else 'scores'} ({format_score(low)}-"
            f"{format_score(high)})",
            better=members[0]["better"] if len({m["better"] for m in members}) == 1 else None,
        )
        bands = []
        if len(members) == 1 and members[0].get("bands"):
            bands = contiguous_bands(
                [(b["min"], b["max"], b["label"]) for b in members[0]["bands"]], scale
            )
        series = [
            Series(
                subscale["label"],
                [
                    Point(_local_date(a.at, zone), a.result["subscales"][subscale["key"]]["score"])
                    for a in shown
                    if (a.result["subscales"].get(subscale["key"]) or {}).get("score") is not None
                ],
                style=index,
            )
            for index, subscale in enumerate(members)
        ]
        chart = TrajectoryChart(
            title=f"{short}: {', '.join(m['label'] for m in members)}",
            y=scale,
            start=start,
            end=period_end,
            series=series,
            bands=bands,
            baseline=baseline_day,
            notes=[m for m in markers if start <= m.date <= period_end],
            width=720,
            height=320,
        )
        charts.append({"uri": _svg_uri(trajectory_svg(chart)), "kind": "trajectory"})
    plane = _plane(definition, shown, zone, ranges, comparison, short)
    if plane is not None:
        charts.append({"uri": _svg_uri(plane_svg(plane)), "kind": "plane"})
    return charts


def _plane(definition, shown, zone, ranges, comparison, short) -> PlaneChart | None:
    classification = definition.get("classification")
    if not classification or classification.get("method") != "quadrant":
        return None
    keys = classification["dimensions"]
    split = scoring.classification_split(definition).get("split")
    for admin in reversed(shown):  # the split the latest classification used
        dimensions = (admin.result.get("style") or {}).get("dimensions") or {}
        if all((dimensions.get(n) or {}).get("split") is not None for n in keys):
            split = {n: dimensions[n]["split"] for n in keys}
            break
    if not split:
        return None
    path = []
    for admin in shown:
        scores = admin.result["subscales"]
        x = (scores.get(keys["avoidance"]) or {}).get("score")
        y = (scores.get(keys["anxiety"]) or {}).get("score")
        if x is not None and y is not None:
            label = (admin.result.get("style") or {}).get("label")
            path.append(PlanePoint(_local_date(admin.at, zone), x, y, label))
    margins = {}
    for name in ("avoidance", "anxiety"):
        entry = ((comparison or {}).get("subscales") or {}).get(keys[name]) or {}
        change = entry.get("reliable_change") or {}
        margins[name] = change.get("reliable_change_margin") if change.get("available") else None
    has_margins = margins["avoidance"] is not None and margins["anxiety"] is not None
    x_range, y_range = ranges[keys["avoidance"]], ranges[keys["anxiety"]]
    return PlaneChart(
        title=f"{short}: anxiety and avoidance",
        x_axis=PlaneAxis("Avoidance", x_range[0], x_range[1], split["avoidance"]),
        y_axis=PlaneAxis("Anxiety", y_range[0], y_range[1], split["anxiety"]),
        quadrants=[
            Quadrant("low", "low", scoring.STYLES["secure"], secure=True),
            Quadrant("low", "high", scoring.STYLES["anxious-preoccupied"]),
            Quadrant("high", "low", scoring.STYLES["dismissive-avoidant"]),
            Quadrant("high", "high", scoring.STYLES["fearful-avoidant"]),
        ],
        path=path,
        rc_x=margins["avoidance"] if has_margins else None,
        rc_y=margins["anxiety"] if has_margins else None,
        width=520,
        height=520,
    )
