"""The compact caseload row's pictures, drawn from ``ClientProgress.glance`` (kept by
``practice.dashboard.progress``): a severity chip and a sparkline per outcome measure, and the
latest attachment result as a dot on a small anxiety-by-avoidance plane. Geometry and words only,
no queries: the dashboard reads the rows it already reads.

Each picture says in text what it shows (the chip its score and band; the sparkline and the
plane a title and a description with every number), so colour is never the only signal."""

import datetime
from dataclasses import dataclass, field

from assessments.scoring import STYLES
from assessments.templatetags.trajectories import score
from assessments.trajectory import CHANGE_WORDS

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 64, 16, 2.5
PLANE_SIZE, PLANE_PAD = 24, 3


@dataclass
class Point:
    date: str  # "6 Jan 2025"
    score: str
    band: str


@dataclass
class Measure:
    name: str  # "PHQ-9"
    subscale: str
    score: str  # the latest, as the chip prints it
    band: str
    severity: int | None  # 0 (best band) to 4 (worst); None: no band
    change: str  # "improved", in words; empty when not compared yet
    line: str  # the sparkline's polyline points
    last: tuple[float, float]  # where the latest point sits
    points: list[Point] = field(default_factory=list)
    count: int = 0  # administrations in all

    @property
    def description(self) -> str:
        shown = "; ".join(f"{p.date}: {p.score} ({p.band or 'no band'})" for p in self.points)
        older = self.count - len(self.points)
        earlier = f" ({older} earlier not drawn)" if older > 0 else ""
        return f"{self.name} {self.subscale.lower()}, last {len(self.points)}{earlier}: {shown}."


@dataclass
class Plane:
    x: float
    y: float
    split_x: float | None
    split_y: float | None
    description: str


def _date(iso: str) -> str:
    found = datetime.date.fromisoformat(iso)
    return f"{found.day} {found:%b %Y}"


def _scale(value: float, low: float, high: float, length: float, pad: float) -> float:
    share = (value - low) / (high - low) if high > low else 0.5
    return round(pad + min(max(share, 0.0), 1.0) * (length - 2 * pad), 1)


def measure(entry: dict) -> Measure:
    """One outcome measure's chip and sparkline: higher scores drawn higher."""
    low, high = entry["range"]
    points = entry["points"]
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(points) - 1, 1)
    coords = [
        (
            round(SPARK_PAD + index * step, 1) if len(points) > 1 else SPARK_WIDTH / 2,
            round(SPARK_HEIGHT - _scale(p["score"], low, high, SPARK_HEIGHT, SPARK_PAD), 1),
        )
        for index, p in enumerate(points)
    ]
    return Measure(
        name=entry["name"],
        subscale=entry["subscale"],
        score=score(points[-1]["score"]),
        band=entry["band"],
        severity=entry["severity"],
        change=CHANGE_WORDS.get(entry["change"], entry["change"]).lower()
        if entry["change"]
        else "",
        line=" ".join(f"{x},{y}" for x, y in coords),
        last=coords[-1],
        points=[Point(_date(p["date"]), score(p["score"]), p["band"]) for p in points],
        count=entry.get("count", len(points)),
    )


def plane(row) -> Plane | None:
    """The latest attachment result on the plane: avoidance across, anxiety up, the split
    lines where the instrument's default rule draws them."""
    axes = (row.glance or {}).get("plane")
    if not axes or row.anxiety is None or row.avoidance is None:
        return None
    x_axis, y_axis = axes["avoidance"], axes["anxiety"]

    def across(value):
        return _scale(value, *x_axis["range"], PLANE_SIZE, PLANE_PAD)

    def up(value):
        return round(PLANE_SIZE - _scale(value, *y_axis["range"], PLANE_SIZE, PLANE_PAD), 1)

    style = STYLES.get(row.style, "not classified") if row.style else "not classified"
    return Plane(
        x=across(row.avoidance),
        y=up(row.anxiety),
        split_x=across(x_axis["split"]) if x_axis.get("split") is not None else None,
        split_y=up(y_axis["split"]) if y_axis.get("split") is not None else None,
        description=f"Anxiety {score(row.anxiety)}, avoidance {score(row.avoidance)}: "
        f"{style.lower()}.",
    )


def add_glance(clients) -> None:
    """Give each client of a dashboard page its ``measures`` and ``plane``."""
    for client in clients:
        row = getattr(client, "progress", None)
        entries = ((row.glance or {}).get("measures") or []) if row is not None else []
        client.measures = [measure(entry) for entry in entries]
        client.plane = plane(row) if row is not None else None


def questionnaires_started(clients) -> bool:
    """Whether any client of the page has answered, or been sent or scheduled, a questionnaire:
    else the dashboard says how to assign a first one."""
    return any(
        row.responses or row.next_due_at or row.awaiting_since or row.missed_since
        for row in (getattr(client, "progress", None) for client in clients)
        if row is not None
    )
