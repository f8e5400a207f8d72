"""The instrument builder: its forms and their conversion to and from a definition.

An owner fills in plain forms (the instrument, its answer scale, items, scores with their
bands and missing-answer rules, weighted scores as formulas, alerts on items or scores with any
operator, and an attachment-style classification with its forced-choice tie-break); ``build``
turns them into the very definition a YAML upload holds, and ``check`` validates its YAML text
with the loader's upload entry point (``loader.load_text(..., uploaded=True)``), so the builder,
the upload and the shipped library share one schema and one set of rules. Every problem comes
back with a plain field reference ("Item 3, text") instead of a path. ``rows_from_definition``
starts an edit from a stored definition; a definition the builder cannot express in full
(free-text items, an item's own scale other than a forced choice's, a total, domains, cited
numbers, codes, ...) is refused with the reason rather than silently trimmed.

Every field is text, parsed here, so one list holds every problem at once: a number that is not
a number and a band that misses the range read alike.

The package is split by what its parts are about: ``forms`` (the forms and formsets),
``fields`` (reading numbers and item lists), ``definition`` (rows to a definition and back, and
the loader's check), ``rules`` (weighted formulas, missing-answer rules, alerts and the
classification, each both ways), ``words`` (problems in the builder's words) and ``preview``
(label rows, the client's form, test answers). Import the names from here:
``from assessments import builder``.
"""

from .definition import SOURCE, build, check, rows_from_definition, to_yaml
from .forms import BLANK_ROWS, Builder, bound, empty, filled
from .preview import chosen_answers, preview_rows, with_label_rows
from .words import order, plain, where

__all__ = [
    "BLANK_ROWS",
    "SOURCE",
    "Builder",
    "bound",
    "build",
    "check",
    "chosen_answers",
    "empty",
    "filled",
    "order",
    "plain",
    "preview_rows",
    "rows_from_definition",
    "to_yaml",
    "where",
    "with_label_rows",
]
