"""SVG charts for the client page and the PDF report: one renderer, so screen and paper agree.

Pure Python, standard library only: callers (views, report tasks) convert their data into the
dataclasses below and get back a standalone SVG document as a string. The output is
deterministic, escapes every label, needs no external resources or scripts, and renders the
same in browsers and WeasyPrint. Series differ by marker shape and dash pattern as well as
colour; bands by a pale colour that darkens with severity, beside their label, and the secure
quadrant by lightness and pattern, so charts read in greyscale.

Every data point is focusable, with its date and score in a tooltip shown on hover and on
keyboard focus. The chart is not the only way to the numbers: pages put a data table beside it
(``format_date`` and ``format_score`` write its numbers exactly as the chart does).
"""

from ._svg import FONT_FAMILY
from ._svg import fmt_date as format_date
from ._svg import fmt_score as format_score
from ._words import month_abbreviation, use_translation
from .plane import PlaneAxis, PlaneChart, PlanePoint, Quadrant, plane_svg
from .trajectory import (
    Band,
    NoteMarker,
    Point,
    Series,
    TrajectoryChart,
    YScale,
    contiguous_bands,
    trajectory_svg,
)

__all__ = [
    "FONT_FAMILY",
    "Band",
    "NoteMarker",
    "PlaneAxis",
    "PlaneChart",
    "PlanePoint",
    "Point",
    "Quadrant",
    "Series",
    "TrajectoryChart",
    "YScale",
    "contiguous_bands",
    "format_date",
    "format_score",
    "month_abbreviation",
    "plane_svg",
    "trajectory_svg",
    "use_translation",
]
