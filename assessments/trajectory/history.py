"""One instrument's history: each administration (date, subscale scores, band, style,
completeness) judged against the baseline and the previous one, and what the client's page
shows of the instrument (latest, earned security, parameters and margins)."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments import scoring
from assessments.models import InstrumentVersion

from .episodes import baseline_indexes, current_index, episode_indexes
from .judging import Change, Judge, _change
from .numbers import is_attachment, scored_subscales

EARNED_LABELS = {
    "earned": _("Earned security"),
    "quadrant_move_only": _("Moved to secure (not shown to be reliable)"),
    "not_earned": _("Not earned security"),
}
# What a response row gives the trajectory: no answers, and of the engine's result only the
# style (its label, rule and split points); the scores have their own columns.
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
    style_rule: str = ""  # the rule that classified it: "by the ECR-R's scale midpoint"
    is_baseline: bool = False  # the first complete administration of its episode of care
    in_period: bool = True
    episode: int = 1  # the episode of care it falls in, counted from 1
    earlier_episode: bool = False  # in an episode before the current one: shown greyed
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
    baseline: Administration | None  # of the current episode of care
    previous: Administration | None
    latest: Administration | None  # the latest in the period and the current episode
    since_baseline: dict[str, Change] | None
    since_previous: dict[str, Change] | None
    earned_security: dict | None
    earned_security_since: datetime.datetime | None
    parameters: dict[str, dict]
    margins: dict[str, float | None]
    critical_value: float
    responses_count: int
    numbers_changed_at: datetime.datetime | None = None  # the practice's numbers, last changed
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
        return quadrant, style_name(quadrant), ""
    if not style:
        return "", "", ""
    return "", "", scoring.shown_reason(style.get("reason"))


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
        style_rule=style_rule(row.get("result__style") or {}, definition) if quadrant else "",
        _row=row,
    )


def style_rule(style: dict, definition: dict) -> str:
    """The classification rule beside a style, in words: the split is the scale's midpoint or
    cited norm means (with their source), never the bare category."""
    short = definition.get("short_name") or definition["name"]
    return rule_words(style.get("rule"), short, style.get("rule_source"))


def rule_words(rule: str | None, short_name: str, source: str | None = None) -> str:
    """A classification rule in words, to stand beside the style it gave."""
    if rule == "midpoint":
        return gettext("by the %(instrument)s's scale midpoint") % {"instrument": short_name}
    if rule == "norm":
        if source:
            return gettext("by cited norms (%(source)s)") % {"source": source}
        return gettext("by cited norms")
    return ""


def style_name(quadrant: str) -> str:
    """An attachment style's name in the reader's language (``scoring.STYLES`` marks them);
    a key the engine does not know is shown as it is."""
    return gettext(scoring.STYLES[quadrant]) if quadrant in scoring.STYLES else quadrant


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
    episode_starts: Sequence[datetime.datetime] = (),
) -> InstrumentTrajectory | None:
    """One instrument's administrations (``rows``: response values, oldest first, none after the
    period's end) judged against the baseline and the previous one. ``None`` for an instrument
    without scores (a free-text worksheet).

    Each administration is judged within its episode of care (``episode_starts``, oldest
    first; none: one episode): against that episode's baseline (its first complete
    administration) and the previous administration in it. Baseline, latest, change and earned
    security of the instrument are the current (latest) episode's; earlier episodes' stay in
    ``administrations``, marked ``earlier_episode``."""
    if not rows:
        return None
    latest_version = versions[rows[-1]["instrument_version_id"]]
    definition = latest_version.definition
    if not scored_subscales(definition):
        return None
    episodes = episode_indexes(rows, sorted(episode_starts))
    current = current_index(episode_starts)
    baselines = baseline_indexes(rows, episodes)
    history: list[Administration] = []
    earned_since = None
    for index, row in enumerate(rows):
        version = versions[row["instrument_version_id"]]
        admin = _administration(row, version.definition, zone)
        admin.in_period = start is None or admin.date >= start
        admin.episode, admin.earlier_episode = episodes[index] + 1, episodes[index] < current
        baseline_index = baselines.get(episodes[index])
        admin.is_baseline = index == baseline_index
        if baseline_index is not None and index > baseline_index:
            comparison = judge.compare(rows[baseline_index], row, version)
            admin.since_baseline = _changes(comparison)
            admin.earned_security = comparison["earned_security"]
        if with_previous and index > 0 and episodes[index - 1] == episodes[index]:
            admin.since_previous = _changes(judge.compare(rows[index - 1], row, version))
        # Earned security holds from the first administration of the current unbroken run.
        earned = (admin.earned_security or {}).get("status") == "earned"
        earned_since = (earned_since or admin.at) if earned else None
        history.append(admin)

    shown = [admin for admin in history if admin.in_period]
    current_shown = [admin for admin in shown if not admin.earlier_episode]
    latest = current_shown[-1] if current_shown else None
    previous = None
    if latest is not None and history.index(latest) > 0:
        before = history[history.index(latest) - 1]
        previous = None if before.earlier_episode else before
    baseline = next((a for a in history if a.is_baseline and not a.earlier_episode), None)
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
        numbers_changed_at=judge.numbers.changed_at,
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
