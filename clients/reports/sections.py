"""One instrument's section of a report: score table, change since baseline, style and earned
security, worded for the clinical record or in plain language for the client.

Change is judged with ``assessments.scoring.compare`` and the practice's numbers (looked up once
per instrument), never with rules that know an instrument by name.

The client-friendly wording (what the two dimensions mean, each attachment pattern, earned
security, how the answers moved on the chart, why a change cannot be judged) is Attune's own,
marked for translation in ``clients.reports.plain_words`` (``PLAIN_WORDS``) and written here in
the active language, the client's when the report is for them (``content.report_language``).
Pattern names appear for clients only when the practice asks (``pattern_names_for_clients``
on the instrument's practice settings), and then always with what the area means.

The instrument's own words (its name, citations, subscale labels, bands) stay in its language.
When that is not the report's, the section names it (``lang``) and the template marks them with
it (WCAG 3.1.2, Language of Parts); inside a sentence they are wrapped while it is written
(``_own``) and marked once it is (``_marked``): the sentence becomes HTML with its text escaped.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from assessments import scoring
from assessments import services as assessment_services
from assessments.charts import NoteMarker, format_date, format_score
from assessments.loader.definitions import words_language
from assessments.trajectory import style_name
from clients.reports.figures import charts_for, local_date, scored_subscales
from clients.reports.plain_words import PLAIN_WORDS
from clients.reports.source import Administration, InstrumentHistory


@dataclass
class Column:
    key: str
    label: str


@dataclass
class ScoreRow:
    date: str
    note: str  # "Baseline", "Baseline (before this period)", "Latest", "Earlier episode"
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
    # Client-friendly only: what the dimensions mean, the latest pattern in plain words
    # ({"feel", "common", "help"}) and, when the answers moved towards security, what earned
    # security means.
    dimension_notes: list[str] = field(default_factory=list)
    pattern: dict | None = None
    earned_note: str = ""
    lang: str = ""  # the instrument's words' language when it is not the report's


# The instrument's words inside a sentence are wrapped in these while it is written (_own), then
# marked with their language or unwrapped (_marked): characters no instrument file holds.
_OWN, _END = "\ue000", "\ue001"


def _own(text: str) -> str:
    return f"{_OWN}{text}{_END}"


def _marked(text: str, lang: str) -> str:
    """``text`` with its wrapped words marked ``lang`` (HTML, the rest escaped), or unwrapped
    when they are in the report's language."""
    if _OWN not in text:
        return text
    if not lang:
        return text.replace(_OWN, "").replace(_END, "")
    start = f'<span lang="{escape(lang)}">'
    return mark_safe(escape(text).replace(_OWN, start).replace(_END, "</span>"))  # noqa: S308


def _cell(result: dict, key: str) -> str:
    entry = (result.get("subscales") or {}).get(key) or {}
    if entry.get("score") is None:
        return gettext("incomplete")
    text = format_score(entry["score"])
    return f"{text} · {_own(entry['band'])}" if entry.get("band") else text


class _Judge:
    """Reliable change for one instrument with the practice's numbers, looked up once."""

    def __init__(self, practice, history: InstrumentHistory):
        self.practice, self.history = practice, history
        self.instrument = history.instrument
        settings_row = assessment_services.practice_settings(practice, self.instrument)
        self.pattern_names = bool(settings_row and settings_row.pattern_names_for_clients)
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
    earlier = list(history.earlier)  # earlier episodes of care: shown, never judged
    definition = (latest or history.baseline or earlier[-1]).version.definition
    subscales = scored_subscales(definition)
    columns = [Column(s["key"], s["label"]) for s in subscales]
    judge = _Judge(practice, history)
    baseline = history.baseline

    shown = list(administrations)
    if baseline is not None and all(a.at != baseline.at for a in shown):
        shown.insert(0, baseline)
    rows = [
        ScoreRow(
            date=format_date(local_date(admin.at, zone)),
            note=gettext("Earlier episode"),
            cells=[_cell(admin.result, column.key) for column in columns],
            style=_row_style(admin.result, clinical, judge.pattern_names),
        )
        for admin in earlier
    ]
    for admin in shown:
        is_baseline = baseline is not None and admin.at == baseline.at
        note = ""
        if is_baseline:
            before_period = local_date(admin.at, zone) < period_start
            note = (
                gettext("Baseline (before this period)") if before_period else gettext("Baseline")
            )
        elif admin is latest:
            note = gettext("Latest")
        change = ""
        if baseline is not None and not is_baseline:
            change = _change_words(judge.compare(baseline, admin), subscales, clinical)
        rows.append(
            ScoreRow(
                date=format_date(local_date(admin.at, zone)),
                note=note,
                cells=[_cell(admin.result, column.key) for column in columns],
                style=_row_style(admin.result, clinical, judge.pattern_names),
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
            definition,
            shown,
            period_start,
            period_end,
            zone,
            judge.margins(definition),
            markers,
            quadrant_labels=None if clinical else _chart_labels(),
            earlier=earlier,
            episode_start=local_date(history.episode_start, zone)
            if history.episode_start
            else None,
        ),
        summary=_summary(definition, subscales, baseline, latest, comparison, clinical),
    )
    if clinical:
        section.method_notes = _method_notes(judge, definition, subscales, section.short_name)
        _style(section, definition, latest, comparison)
    else:
        _plain_style(section, definition, latest, comparison, judge.pattern_names)
    return _mark_instrument_words(section, words_language(definition, get_language()))


def _mark_instrument_words(section: InstrumentSection, lang: str) -> InstrumentSection:
    section.lang = lang
    section.summary = [_marked(line, lang) for line in section.summary]
    section.method_notes = [_marked(note, lang) for note in section.method_notes]
    for row in section.rows:
        row.cells = [_marked(cell, lang) for cell in row.cells]
        row.change = _marked(row.change, lang)
    return section


def _change_words(comparison: dict, subscales: list[dict], clinical: bool) -> str:
    words = []
    for subscale in subscales:
        entry = comparison["subscales"][subscale["key"]]
        label = str(SHORT_CHANGE.get(entry["label"], entry["label"]) if clinical else _plain(entry))
        words.append(f"{_own(subscale['label'])}: {label}" if len(subscales) > 1 else label)
    return "; ".join(words)


SHORT_CHANGE = {scoring.NOT_AVAILABLE: _("not available")}
PLAIN_CHANGE = {
    scoring.IMPROVED: _("better, by more than everyday ups and downs"),
    scoring.NO_RELIABLE_CHANGE: _("within everyday ups and downs"),
    scoring.DETERIORATED: _("harder, by more than everyday ups and downs"),
}


def _plain(entry: dict) -> str:
    """One subscale's change for the client, saying why it was not judged when it was not:
    an incomplete set of answers, or no cited numbers entered (never "too early to say")."""
    if entry["label"] in PLAIN_CHANGE:
        return str(PLAIN_CHANGE[entry["label"]])
    if entry["before"] is None or entry["after"] is None:
        return str(PLAIN_WORDS["not_judged"]["incomplete"])
    return str(PLAIN_WORDS["not_judged"]["no_numbers"])


def _score_words(entry: dict) -> str:
    text = format_score(entry["score"])
    return f"{text} ({_own(entry['band'])})" if entry.get("band") else text


def _summary(definition, subscales, baseline, latest, comparison, clinical) -> list[str]:
    """One sentence per subscale: where it started, where it is, what the change means. The
    clinical version's reasons for missing reliable change are in the method notes."""
    if latest is None:
        return [gettext("No answers in this period.")]
    lines = []
    for subscale in subscales:
        key, label = subscale["key"], _own(subscale["label"])
        now = latest.result["subscales"][key]
        if now.get("score") is None:
            lines.append(
                gettext("%(label)s: the latest answers were incomplete.") % {"label": label}
            )
            continue
        was = baseline.result["subscales"][key] if comparison is not None else {}
        entry = comparison["subscales"][key] if comparison is not None else None
        if clinical:
            text = f"{label}: "
            if was.get("score") is not None:
                text += gettext("%(score)s at baseline → ") % {"score": _score_words(was)}
            text += gettext("%(score)s latest") % {"score": _score_words(now)}
            if entry is not None:
                text += f"; {entry['label']}"
                significant = entry.get("clinically_significant") or {}
                if significant.get("available") and significant.get("significant"):
                    text += gettext("; clinically significant change")
            lines.append(text + ".")
        else:
            words = {"label": label, "score": _score_words(now)}
            if subscale["better"] == "lower":
                text = gettext(
                    "%(label)s: lower scores mean things are going better. Your latest score "
                    "was %(score)s"
                )
            else:
                text = gettext(
                    "%(label)s: higher scores mean things are going better. Your latest score "
                    "was %(score)s"
                )
            text %= words
            if was.get("score") is not None:
                text += gettext(", compared with %(score)s at the start") % {
                    "score": _score_words(was)
                }
            if entry is not None:
                text += gettext(". Change since the start: %(change)s") % {"change": _plain(entry)}
            lines.append(text + ".")
    return lines


def _method_notes(judge: _Judge, definition: dict, subscales: list[dict], short_name: str):
    notes = []
    parameters = judge.parameters(definition)
    critical = judge.critical_value(definition)
    for subscale in subscales:
        entry = parameters.get(subscale["key"]) or {}
        if entry.get("available"):
            r, sd = entry["reliability"], entry["sd"]
            notes.append(
                gettext(
                    "%(label)s: reliable change (Jacobson & Truax, 1991) with reliability "
                    "%(reliability)s (%(reliability_source)s) and SD %(sd)s (%(sd_source)s); "
                    "critical value %(critical)s."
                )
                % {
                    "label": subscale["label"],
                    "reliability": format_score(r["value"]),
                    "reliability_source": r["source"],
                    "sd": format_score(sd["value"]),
                    "sd_source": sd["source"],
                    "critical": format_score(critical),
                }
            )
        else:
            notes.append(
                gettext(
                    "%(label)s: reliable change not available: %(reason)s. An owner enters "
                    "cited numbers under Instruments → %(instrument)s → Practice settings."
                )
                % {
                    "label": subscale["label"],
                    "reason": entry["reason"] if "reason" in entry else gettext("no parameters"),
                    "instrument": short_name,
                }
            )
    return notes


EARNED_LABELS = {
    "earned": _("Earned security"),
    "not_earned": _("Not earned security"),
    "quadrant_move_only": _("Moved to secure (change not shown to be reliable)"),
}


def _style(section, definition, latest, comparison) -> None:
    """The clinical record's style line (with its rule) and earned-security verdict."""
    if not definition.get("classification") or latest is None:
        return
    style = latest.result.get("style") or {}
    if style.get("label"):
        section.style_line = gettext("Latest style: %(style)s (%(rule)s rule)") % {
            "style": gettext(style["label"]),
            "rule": style.get("rule", ""),
        }
    else:
        section.style_line = gettext("Latest style: not classified (%(reason)s)") % {
            "reason": scoring.shown_reason(style.get("reason")) or gettext("no result")
        }
    verdict = (comparison or {}).get("earned_security")
    if verdict:
        section.earned_security = {
            "status": verdict["status"],
            "label": EARNED_LABELS.get(verdict["status"], verdict["status"]),
            "reason": verdict.get("reason", ""),
        }


def _area(quadrant: str, names: bool) -> str:
    """Where answers in ``quadrant`` sit, in terms of the two dimensions, named only when the
    practice asks for names and then never without the description."""
    where = str(PLAIN_WORDS["areas"][quadrant]["where"])
    return f"{style_name(quadrant)} ({where})" if names else where


def _chart_labels() -> dict[str, str]:
    """The plane's quadrant labels for the client: what each area means, in a few words. Names,
    when the practice asks for them, stand in the text and the table beside their meaning; a
    quadrant has no room for both."""
    return {quadrant: str(words["chart"]) for quadrant, words in PLAIN_WORDS["areas"].items()}


def _row_style(result: dict, clinical: bool, names: bool) -> str:
    style = result.get("style") or {}
    if clinical or not style.get("quadrant"):
        return style.get("label") or ""
    area = _area(style["quadrant"], names)
    return area if names else area[0].upper() + area[1:]


def _plain_move(verdict: dict) -> str | None:
    """Which of ``PLAIN_WORDS["moves"]`` tells how the answers moved on the chart; None when
    the first answers could not be placed on the chart."""
    was, now = verdict.get("baseline"), verdict.get("latest")
    if was is None:
        return None
    if now == "secure":
        if was == "secure":
            return "secure_throughout"
        if verdict["status"] == "earned":
            return "moved_reliably"
        if verdict["status"] == "quadrant_move_only":
            return "moved_not_judged"
        worse = [n for n, label in verdict["dimensions"].items() if label == scoring.DETERIORATED]
        if worse:
            return f"moved_with_worse_{'both' if len(worse) > 1 else worse[0]}"
        return "moved_within_error"
    return "left_secure" if was == "secure" else "not_yet"


def _plain_style(section, definition, latest, comparison, names: bool) -> None:
    """The client's version: the two dimensions first, then where the latest answers sit and
    what that pattern can be like, then how the answers moved and what earned security is."""
    classification = definition.get("classification")
    if not classification or classification.get("method") != "quadrant" or latest is None:
        return
    section.dimension_notes = [
        str(PLAIN_WORDS["dimensions"][name]) for name in ("anxiety", "avoidance")
    ] + [str(PLAIN_WORDS["lower_is_better"])]
    style = latest.result.get("style") or {}
    quadrant = style.get("quadrant")
    if quadrant:
        words = PLAIN_WORDS["areas"][quadrant]
        split = PLAIN_WORDS["split"].get(style.get("rule"), PLAIN_WORDS["split"]["midpoint"])
        line = gettext("Your latest answers are %(where)s, compared with %(split)s.") % {
            "where": str(words["where"]),
            "split": str(split),
        }
        if names:
            line += " " + gettext(
                'Answers in this area are often called "%(style)s" (%(where)s).'
            ) % {
                "style": style_name(quadrant),
                "where": str(words["where"]),
            }
        section.style_line = (
            line
            + " "
            + gettext(
                "This describes how you relate to close others right now; it is not a diagnosis."
            )
        )
        section.pattern = {part: str(words[part]) for part in ("feel", "common", "help")}
    verdict = (comparison or {}).get("earned_security")
    move = _plain_move(verdict) if verdict else None
    if move:
        text = PLAIN_WORDS["moves"][move]
        section.earned_security = {
            "status": move,
            "label": str(text["label"]),
            "reason": str(text["text"]),
        }
        if verdict["baseline"] in scoring.INSECURE_STYLES:
            section.earned_note = str(PLAIN_WORDS["earned_security"])
