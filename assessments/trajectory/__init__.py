"""Score trajectories: every instrument a client answered, over time, with reliable change.

``client_trajectory(user, client, start, end, note_markers=...)`` is what the client's progress
page and the trajectory API show: per instrument, each administration (date, subscale scores,
band, style, completeness) with its change since the baseline and since the previous
administration, the reliable-change label of each (improved / no reliable change / deteriorated /
not available and why), earned security, and the inputs of the two charts
(``assessments.charts``). No HTML here.

The numbers reliable change needs (the practice's settings, cited values and baseline sample) are
read once per page for every instrument, so the query count does not grow with the number of
administrations: responses (1), their instrument versions (1), the practice's numbers (3), the
client's episodes of care (1). Session
notes sit above this layer: the caller reads their markers (``clients.notes.note_markers``, two
queries) and passes them in. ``practice.dashboard.progress`` builds the dashboard rows with the same judging
code.

The baseline is the client's first complete administration of the instrument in the current
episode of care (``episodes``): each administration is judged within its episode, against that
episode's baseline, and earlier episodes' administrations are marked and drawn grey. A baseline
may lie before the chosen period and is then shown as such.

The parts: ``numbers`` (the practice's numbers for reliable change), ``judging`` (change between
two administrations), ``episodes`` (which episode of care an administration falls in), ``history`` (one instrument's administrations judged), ``chart_inputs``
(the charts' inputs) and ``client`` (the client's page and API). Import the names from here.
"""

from .chart_inputs import plane_chart, plane_keys, trajectory_charts
from .client import EARLIEST, LATEST, ClientTrajectory, client_trajectory
from .episodes import current_baseline
from .history import (
    EARNED_LABELS,
    RESPONSE_FIELDS,
    Administration,
    InstrumentTrajectory,
    SubscaleScore,
    judge_history,
    load_versions,
    rule_words,
    style_name,
)
from .judging import CHANGE_WORDS, Change, Judge
from .numbers import (
    InstrumentNumbers,
    NumbersChange,
    is_attachment,
    is_illustrative,
    practice_numbers,
    practice_numbers_changes,
    rci_parameters,
    scored_subscales,
)

__all__ = [
    "CHANGE_WORDS",
    "EARLIEST",
    "EARNED_LABELS",
    "LATEST",
    "RESPONSE_FIELDS",
    "Administration",
    "Change",
    "ClientTrajectory",
    "InstrumentNumbers",
    "InstrumentTrajectory",
    "Judge",
    "NumbersChange",
    "SubscaleScore",
    "client_trajectory",
    "current_baseline",
    "is_attachment",
    "is_illustrative",
    "judge_history",
    "load_versions",
    "plane_chart",
    "plane_keys",
    "practice_numbers",
    "practice_numbers_changes",
    "rci_parameters",
    "rule_words",
    "scored_subscales",
    "style_name",
    "trajectory_charts",
]
