"""One instrument's section of a report: score table, change since baseline, style and earned
security, worded for the clinical record or in plain language for the client.

Change is judged with ``assessments.scoring.compare`` and the practice's numbers (looked up once
per instrument), never with rules that know an instrument by name.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from assessments import scoring
from assessments import services as assessment_services
from assessments.charts import NoteMarker, format_date, format_score
from clients.reports.figures import charts_for, local_date, scored_subscales
from clients.reports.source import Administration, InstrumentHistory


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
    charts: list[dict]  # {"uri": data URI, "kind": "trajectory" or "plane"}
    summary: list[str]  # plain sentences: baseline -> latest, bands, change
    method_notes: list[str] = field(default_factory=list)  # clinical: RC parameters or reasons
    style_line: str = ""
    earned_security: dict | None = None  # {"status", "label", "reason"}


def _cell(result: dict, key: str) -> str:
    entry = (result.get("subscales") or {}).get(key) or {}
    if entry.get("score") is None:
        return "incomplete"
    text = format_score(entry["score"])
    return f"{text} · {entry['band']}" if entry.get("band") else text


class _Judge:
    """Reliable change for one instrument with the practice's numbers, looked up once."""

    def __init__(self, practice, history: InstrumentHistory):
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

    def critical_value(self, definition: dict) -> float:
        return self.critical or definition.get("reliable_change", {}).get("critical_value", 1.96)

    def margins(self, definition: dict) -> dict:
        """Reliable-change margins by subscale, drawn around the baseline on the plane whether
        or not a later administration exists (as the web page draws them)."""
        return scoring.reliable_change_margins(
            self.parameters(definition), self.critical_value(definition)
        )

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
    subscales = scored_subscales(definition)
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
            before_period = local_date(admin.at, zone) < period_start
            note = "Baseline (before this period)" if before_period else "Baseline"
        elif admin is latest:
            note = "Latest"
        change = ""
        if baseline is not None and not is_baseline:
            change = _change_words(judge.compare(baseline, admin), subscales, clinical)
        rows.append(
            ScoreRow(
                date=format_date(local_date(admin.at, zone)),
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
        charts=charts_for(
            definition, shown, period_start, period_end, zone, judge.margins(definition), markers
        ),
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
    critical = judge.critical_value(definition)
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
PLAIN_EARNED_LABELS = {
    "earned": "Moved into the secure area",
    "not_earned": "Not yet in the secure area",
    "quadrant_move_only": "Moved into the secure area",
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
            "label": (EARNED_LABELS if clinical else PLAIN_EARNED_LABELS).get(
                verdict["status"], verdict["status"]
            ),
            "reason": verdict.get("reason", "")
            if clinical
            else PLAIN_EARNED.get(verdict["status"], ""),
        }
