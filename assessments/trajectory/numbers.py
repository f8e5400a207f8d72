"""The practice's numbers for reliable change: its settings, cited values and baseline sample
for a set of instruments, read in bulk once, and the reliability and SD each subscale uses."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from assessments import scoring
from assessments.models import (
    CitedValueKind,
    Instrument,
    PracticeCitedValue,
    PracticeInstrumentSettings,
)
from practice.models import PracticeBaselineScores


@dataclass
class InstrumentNumbers:
    """What reliable change needs for one instrument in one practice, read in bulk once."""

    critical_value: float | None = None
    min_baselines: int | None = None
    values: dict = field(default_factory=dict)  # subscale -> kind -> {"value", "source"}
    baseline_spread: dict = field(default_factory=dict)  # subscale -> {"n", "sd"} of the sample
    changed_at: datetime.datetime | None = None  # when the practice last changed its numbers

    def note_change(self, at: datetime.datetime | None) -> None:
        if at is not None and (self.changed_at is None or at > self.changed_at):
            self.changed_at = at


def practice_numbers(practice_id, instrument_ids: Iterable[int]) -> dict[int, InstrumentNumbers]:
    """The practice's settings, cited values and baseline samples for ``instrument_ids``: three
    queries, however many instruments."""
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
        entry.note_change(row.updated_at)
    for row in PracticeCitedValue.objects.filter(practice_id=practice_id, instrument_id__in=ids):
        numbers[row.instrument_id].values.setdefault(row.subscale, {})[row.kind] = {
            "value": float(row.value),
            "source": row.citation,
        }
        numbers[row.instrument_id].note_change(row.entered_at)
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


def is_illustrative(source: str | None) -> bool:
    """A number whose citation says it is illustrative, not from a publication (the demo
    practice's values, ``assessments.demo.DEMO_CITATION``, begin so): pages mark it as such."""
    return (source or "").lstrip().lower().startswith("illustrative")


@dataclass
class NumbersChange:
    """Numbers one practice entered for one instrument: when they last changed, and whether
    any of them is illustrative."""

    instrument_id: int
    name: str
    changed_at: datetime.datetime
    illustrative: bool


def practice_numbers_changes(practice_id) -> list[NumbersChange]:
    """Every instrument whose reliable-change numbers or rules ``practice_id`` has set, with
    when they last changed, newest first: the outcome counts move when these change. One
    query."""
    return numbers_changes(numbers_changes_rows(practice_id))


def numbers_changes_rows(practice_id):
    """``practice_numbers_changes``'s query, for a caller that runs it its own way (the
    dashboard compiles it once); ``numbers_changes`` reads its rows."""
    mine = Q(cited_values__practice_id=practice_id)
    return (
        Instrument.objects.annotate(
            values_at=Max("cited_values__entered_at", filter=mine),
            settings_at=Max(
                "practice_settings__updated_at",
                filter=Q(practice_settings__practice_id=practice_id),
            ),
            illustrative=Count(
                "cited_values", filter=mine & Q(cited_values__citation__istartswith="illustrative")
            ),
        )
        .filter(Q(values_at__isnull=False) | Q(settings_at__isnull=False))
        .values("pk", "name", "values_at", "settings_at", "illustrative")
    )


def numbers_changes(rows) -> list[NumbersChange]:
    """``numbers_changes_rows``'s rows as ``practice_numbers_changes`` gives them."""
    changes = [
        NumbersChange(
            row["pk"],
            row["name"],
            max(at for at in (row["values_at"], row["settings_at"]) if at is not None),
            bool(row["illustrative"]),
        )
        for row in rows
    ]
    return sorted(changes, key=lambda entry: entry.changed_at, reverse=True)
