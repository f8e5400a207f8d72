"""Judging change between two administrations of one instrument: reliable-change labels with
their reasons, clinically significant change and earned security, with one practice's numbers."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from assessments import scoring
from assessments.models import InstrumentVersion

from .numbers import InstrumentNumbers, is_illustrative, rci_parameters, scored_subscales

# Short words for tables and badges; the scoring engine's labels are the long form.
CHANGE_WORDS = {
    scoring.IMPROVED: _("Improved"),
    scoring.NO_RELIABLE_CHANGE: _("No reliable change"),
    scoring.DETERIORATED: _("Deteriorated"),
    scoring.NOT_AVAILABLE: _("Not available"),
}


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
    reliability: float | None = None  # the numbers the margin comes from
    sd: float | None = None
    illustrative: bool = False  # either number is illustrative, not from a publication

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
        reliability=(change.get("reliability") or {}).get("value"),
        sd=(change.get("sd") or {}).get("value"),
        illustrative=any(
            is_illustrative((change.get(kind) or {}).get("source"))
            for kind in ("reliability", "sd")
        ),
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
        return scoring.reliable_change_margins(
            self.parameters(version), self.critical_value(version.definition)
        )
