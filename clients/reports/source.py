"""The interface through which a report receives questionnaire data: per instrument, the
administrations in the period and the client's baseline (``InstrumentHistory``), and the alert
history (``AlertRecord``). ``clients.reports.content.StoredResponses`` implements
``AssessmentSource`` over the stored responses; tests hand in their own.

Plain data, below both ``content`` (which gathers it) and ``sections`` (which lays out one
instrument from it).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from clients.models import Client


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
    client's baseline, the first complete administration of the current episode of care, which
    may predate the period.

    ``baseline_scores`` maps subscale keys to the practice's baseline scores, from which
    reliable change may take the practice's own SD.
    """

    instrument: object
    administrations: Sequence[Administration]
    baseline: Administration | None = None
    baseline_scores: dict = field(default_factory=dict)
    # Episodes of care: with more than one, ``administrations`` and ``baseline`` are the current
    # episode's, from ``episode_start``; ``earlier`` holds the period's administrations of
    # earlier episodes, shown grey and never compared with the current baseline.
    earlier: Sequence[Administration] = ()
    episode_start: datetime.datetime | None = None


@dataclass(frozen=True)
class AlertRecord:
    raised_at: datetime.datetime
    instrument: str
    rule: str
    acknowledged_at: datetime.datetime | None = None
    acknowledged_by: str = ""
    action: str = ""  # the action taken, in words, with the clinician's note


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
