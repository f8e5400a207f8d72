"""The compact caseload row's pictures, drawn from ``ClientProgress.glance`` (kept by
``practice.dashboard.progress``): a severity chip and a sparkline per outcome measure, and the
latest attachment result as a dot on a small anxiety-by-avoidance plane. Geometry and words only,
no queries: the dashboard reads the rows it already reads.

Each picture says in text what it shows (the chip its score and band; the sparkline and the
plane a title and a description with every number), so colour is never the only signal.

The pictures' markup is written here, once per row, as the trajectory charts' is in
``assessments.charts``: a template drawing them cell by cell, with a translation tag and a
localised number per attribute, was most of the dashboard's time (issue 17). Every value is
escaped; numbers are written as SVG reads them, never localised."""

import datetime
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from assessments.scoring import STYLES
from assessments.templatetags.trajectories import day
from assessments.trajectory import CHANGE_WORDS, style_name
from practice.dashboard.rows import PerPage, escape

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 64, 16, 2.5
PLANE_SIZE, PLANE_PAD = 24, 3


class PageWords(PerPage):
    """The pictures' sentences, dates and scores for one page, each written once in the active
    language however many rows and points use it (issue 17). Named as Django's functions, so
    ``makemessages`` finds the sentences."""

    def gettext(self, message: str) -> str:
        return self.once(gettext, message)

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        return self.once(ngettext, singular, plural, number)

    def date(self, iso: str) -> str:
        return self.once(_date, iso)


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

    def description(self, words: PageWords) -> str:
        no_band = words.gettext("no band")
        point = words.gettext("%(date)s: %(score)s (%(band)s)")
        shown = "; ".join(
            point % {"date": p.date, "score": p.score, "band": p.band or no_band}
            for p in self.points
        )
        older = self.count - len(self.points)
        values = {
            "measure": self.name,
            "subscale": self.subscale.lower(),
            "count": len(self.points),
            "earlier": older,
            "shown": shown,
        }
        if older > 0:
            return (
                words.gettext(
                    "%(measure)s %(subscale)s, last %(count)s (%(earlier)s earlier not drawn): "
                    "%(shown)s."
                )
                % values
            )
        return words.gettext("%(measure)s %(subscale)s, last %(count)s: %(shown)s.") % values


@dataclass
class Plane:
    x: float
    y: float
    split_x: float | None
    split_y: float | None
    description: str


def _date(iso: str) -> str:
    # What date_format(…, "j M Y") prints (the month in the reader's language), without its
    # cost on every point of every row: the month names are looked up once per language.
    return day(datetime.date.fromisoformat(iso))


def _scale(value: float, low: float, high: float, length: float, pad: float) -> float:
    share = (value - low) / (high - low) if high > low else 0.5
    return round(pad + min(max(share, 0.0), 1.0) * (length - 2 * pad), 1)


def measure(entry: dict, words: PageWords) -> Measure:
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
        score=words.score(points[-1]["score"]),
        band=entry["band"],
        severity=entry["severity"],
        change=CHANGE_WORDS.get(entry["change"], entry["change"]).lower()
        if entry["change"]
        else "",
        line=" ".join(f"{x},{y}" for x, y in coords),
        last=coords[-1],
        points=[Point(words.date(p["date"]), words.score(p["score"]), p["band"]) for p in points],
        count=entry.get("count", len(points)),
    )


def plane(row, words: PageWords) -> Plane | None:
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

    style = (
        words.once(style_name, row.style)
        if row.style in STYLES
        else words.gettext("not classified")
    )
    return Plane(
        x=across(row.avoidance),
        y=up(row.anxiety),
        split_x=across(x_axis["split"]) if x_axis.get("split") is not None else None,
        split_y=up(y_axis["split"]) if y_axis.get("split") is not None else None,
        description=words.gettext("Anxiety %(anxiety)s, avoidance %(avoidance)s: %(style)s.")
        % {
            "anxiety": words.score(row.anxiety),
            "avoidance": words.score(row.avoidance),
            "style": style.lower(),
        },
    )


def _safe(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 (every value in it went through escape())


def measure_html(m: Measure, prefix: str, words: PageWords) -> str:
    """One measure's severity chip and sparkline; ``prefix`` makes its ids unique on the page."""
    title = words.ngettext(
        "%(name)s over the last %(points)s administration",
        "%(name)s over the last %(points)s administrations",
        len(m.points),
    ) % {"name": escape(m.name), "points": len(m.points)}
    severity = "none" if m.severity is None else escape(m.severity)
    line = (
        f'<polyline points="{escape(m.line)}" fill="none" stroke="currentColor" '
        'stroke-width="1.5" stroke-linejoin="round"/>'
        if len(m.points) > 1
        else ""
    )
    return (
        f'<span class="measure"><span class="chip sev-{severity}"><span class="chip-name">'
        f"{escape(m.name)}</span> {escape(m.score)} "
        f'<span class="chip-band">{escape(m.band or words.gettext("no band"))}</span></span>'
        '<svg class="spark" width="64" height="16" viewBox="0 0 64 16" role="img" '
        f'focusable="false" aria-labelledby="{prefix}-t {prefix}-d">'
        f'<title id="{prefix}-t">{title}</title>'
        f'<desc id="{prefix}-d">{escape(m.description(words))}</desc>{line}'
        f'<circle cx="{m.last[0]}" cy="{m.last[1]}" r="2.5" fill="currentColor"/></svg></span>'
    )


def measure_detail_html(m: Measure, words: PageWords) -> str:
    """One measure's every drawn point in words, for the row's details."""
    change = (
        " " + words.gettext("(%(change)s since baseline)") % {"change": escape(m.change)}
        if m.change
        else ""
    )
    points = "".join(
        f"<li>{escape(p.date)}: {escape(p.score)}"
        + (f" ({escape(p.band)})" if p.band else "")
        + "</li>"
        for p in m.points
    )
    return (
        f"<p>{escape(m.name)} {escape(m.subscale.lower())}{change}:</p>"
        f'<ul class="plain-list">{points}</ul>'
    )


def plane_html(found: Plane, prefix: str, words: PageWords) -> str:
    """The mini plane with the latest attachment result as a dot."""
    lines = ""
    dashed = 'stroke="currentColor" stroke-opacity=".45" stroke-dasharray="2 2"/>'
    if found.split_x is not None:
        lines += f'<line x1="{found.split_x}" y1="1" x2="{found.split_x}" y2="23" {dashed}'
    if found.split_y is not None:
        lines += f'<line x1="1" y1="{found.split_y}" x2="23" y2="{found.split_y}" {dashed}'
    title = words.gettext("Attachment position, anxiety up and avoidance across")
    return (
        '<svg class="mini-plane" width="24" height="24" viewBox="0 0 24 24" role="img" '
        f'focusable="false" aria-labelledby="{prefix}-t {prefix}-d">'
        f'<title id="{prefix}-t">{escape(title)}</title>'
        f'<desc id="{prefix}-d">{escape(found.description)}</desc>'
        '<rect x="0.5" y="0.5" width="23" height="23" rx="2" fill="none" '
        f'stroke="currentColor" stroke-opacity=".45"/>{lines}'
        f'<circle cx="{found.x}" cy="{found.y}" r="3" fill="currentColor"/></svg>'
    )


def add_glance(clients) -> None:
    """Give each client of a dashboard page its ``measures`` and ``plane``, and their markup:
    ``measures_html`` (chips and sparklines), ``measures_detail_html`` and ``plane_html``."""
    words = PageWords()
    for client in clients:
        row = getattr(client, "progress", None)
        entries = ((row.glance or {}).get("measures") or []) if row is not None else []
        client.measures = [measure(entry, words) for entry in entries]
        client.plane = plane(row, words) if row is not None else None
        client.measures_html = _safe(
            "".join(
                measure_html(m, f"spark-{client.pk}-{index}", words)
                for index, m in enumerate(client.measures, start=1)
            )
        )
        client.measures_detail_html = _safe(
            "".join(measure_detail_html(m, words) for m in client.measures)
        )
        client.plane_html = (
            _safe(plane_html(client.plane, f"plane-{client.pk}", words)) if client.plane else ""
        )


def questionnaires_started(clients) -> bool:
    """Whether any client of the page has answered, or been sent or scheduled, a questionnaire:
    else the dashboard says how to assign a first one."""
    return any(
        row.responses or row.next_due_at or row.awaiting_since or row.missed_since
        for row in (getattr(client, "progress", None) for client in clients)
        if row is not None
    )
