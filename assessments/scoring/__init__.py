"""The scoring engine. Pure Python with no Django in it: definitions and answers in, plain
JSON-ready dictionaries out. Deterministic; everything an instrument means comes from its
definition (see ``assessments/loader/`` and ``assessments/README.md``), never from its name.

- ``score(definition, answers)``: subscale scores, total, band, completeness, alerts and, for
  attachment instruments, the two dimensions and the style quadrant.
- ``reliable_change(...)``: the Jacobson-Truax reliable change index for one subscale.
- ``rci_parameters(...)``: which reliability and SD apply, or why none does.
- ``reliable_change_margins(...)``: per subscale, the smallest change that counts as reliable.
- ``compare(...)``: change between two administrations, each labelled improved / no reliable
  change / deteriorated, clinically significant change, and earned security.

Scores are computed with exact fractions, so a mean of exactly 4 is 4 and sits exactly on a
split point of 4; they are returned as numbers (integers for whole sums, floats for means).

The engine is split by what its parts are about: ``items`` (answers, item keys, the items a
subscale is made of with their weights, subscale ranges), ``bands`` (subscale scores: sums,
means and weighted sums; bands, clinical cut-offs, alerts), ``styles`` (attachment styles and
their split points; prototype ratings with a forced-choice tie-break), ``reasons`` (the stored
sentences saying why an alert was not checked or a style not classified, and ``shown_reason``
to show one in the reader's language), ``results`` (``score``) and ``change`` (reliable change,
``compare``, earned security). Import the names from here: ``from assessments import scoring``.
"""

from .bands import band_for, is_clinical
from .change import (
    DETERIORATED,
    IMPROVED,
    NO_RELIABLE_CHANGE,
    NOT_AVAILABLE,
    compare,
    earned_security,
    rci_parameters,
    reliable_change,
    reliable_change_margins,
    sample_spread,
)
from .items import (
    AnswerError,
    item_scale,
    keyed_value,
    normalise_answers,
    subscale_members,
    subscale_range,
)
from .reasons import shown_reason, shown_rule
from .results import score
from .styles import (
    INSECURE_STYLES,
    QUADRANTS,
    STYLES,
    classification_split,
    classify,
)

__all__ = [
    "DETERIORATED",
    "IMPROVED",
    "INSECURE_STYLES",
    "NOT_AVAILABLE",
    "NO_RELIABLE_CHANGE",
    "QUADRANTS",
    "STYLES",
    "AnswerError",
    "band_for",
    "classification_split",
    "classify",
    "compare",
    "earned_security",
    "is_clinical",
    "item_scale",
    "keyed_value",
    "normalise_answers",
    "rci_parameters",
    "reliable_change",
    "reliable_change_margins",
    "sample_spread",
    "score",
    "shown_reason",
    "shown_rule",
    "subscale_members",
    "subscale_range",
]
