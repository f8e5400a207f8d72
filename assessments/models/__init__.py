"""The assessments app's models, one module per subject:

- ``instruments``: instruments and their immutable versions, licence acknowledgements, and the
  numbers a practice enters (with citations) for classification and reliable change;
- ``questionnaires``: assignments, their occasions, and packets with their links and items;
- ``responses``: submitted responses, the per-client summaries and alerts.

Everything is re-exported here, so ``from assessments.models import Response`` keeps working.
Each module imports the ones before it, so the models register in the order they were defined
in before the split.
"""

from assessments.models.instruments import (
    CitedValueKind,
    ClassificationRule,
    Instrument,
    InstrumentQuerySet,
    InstrumentVersion,
    LicenceAcknowledgement,
    PracticeCitedValue,
    PracticeInstrumentSettings,
)
from assessments.models.questionnaires import (
    Assignment,
    ClientScopedQuerySet,
    Occasion,
    OutboundState,
    Packet,
    PacketItem,
    PacketQuerySet,
    PacketToken,
)
from assessments.models.responses import (
    Alert,
    AlertAction,
    AlertEvent,
    AlertQuerySet,
    ClientInstrumentSummary,
    Response,
)

__all__ = [
    "Alert",
    "AlertAction",
    "AlertEvent",
    "AlertQuerySet",
    "Assignment",
    "CitedValueKind",
    "ClassificationRule",
    "ClientInstrumentSummary",
    "ClientScopedQuerySet",
    "Instrument",
    "InstrumentQuerySet",
    "InstrumentVersion",
    "LicenceAcknowledgement",
    "Occasion",
    "OutboundState",
    "Packet",
    "PacketItem",
    "PacketQuerySet",
    "PacketToken",
    "PracticeCitedValue",
    "PracticeInstrumentSettings",
    "Response",
]
