"""One instrument's subscales over time, with severity bands, baseline and session-note markers."""

import colorsys
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ._earlier import draw_earlier_area, draw_earlier_points, earlier_description, score_words
from ._svg import (
    GRID,
    INK,
    LEGEND_ROW,
    LINE,
    MUTED,
    Focusable,
    LegendItem,
    SvgWriter,
    check_id_prefix,
    clean,
    date_ticks,
    default_id_prefix,
    draw_legend,
    draw_tips,
    fmt_date,
    fmt_score,
    focusable_start,
    legend_layout,
    marker_shape,
    nice_ticks,
    num,
    open_root,
    series_look,
    text_width,
    truncate,
)
from ._words import gettext, ngettext

NOTE_LABEL_MAX = 60  # characters: markers carry a type and tags, never the note's text


def _finite(name: str, *values: float) -> None:
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise ValueError(f"{name} must be finite numbers, got {values!r}")


@dataclass(frozen=True)
class YScale:
    """The score axis: ``min``..``max`` in score units, ``label`` e.g. "PHQ-9 total score".

    ``better`` ("lower" or "higher", as in the instrument file) adds "higher is worse/better".
    """

    min: float
    max: float
    label: str
    better: Literal["lower", "higher"] | None = None

    def __post_init__(self) -> None:
        _finite("YScale min/max", self.min, self.max)
        if self.min >= self.max:
            raise ValueError(f"YScale min ({self.min}) must be below max ({self.max})")
        if self.better not in (None, "lower", "higher"):
            raise ValueError(
                f"YScale better must be 'lower', 'higher' or None, not {self.better!r}"
            )


@dataclass(frozen=True)
class Band:
    """A shaded score range [low, high] with its label; ``level`` 0 is the least severe.

    Tints run from green to red and darken with ``level``, so bands read in greyscale too;
    the label says the rest.
    ``contiguous_bands`` turns an instrument's integer ranges (0-4, 5-9) into adjoining bands.
    """

    low: float
    high: float
    label: str
    level: int = 0

    def __post_init__(self) -> None:
        _finite("Band low/high", self.low, self.high)
        if self.low >= self.high:
            raise ValueError(f"Band {self.label!r}: low ({self.low}) must be below high")
        if self.level < 0:
            raise ValueError(f"Band {self.label!r}: level must be 0 or more")


@dataclass(frozen=True)
class Point:
    """One score on one date; ``label`` (e.g. "baseline") is added to its tooltip. ``episode``
    tells apart earlier episodes of care, whose points are not joined to one another's."""

    date: date
    score: float
    label: str | None = None
    episode: int = 0

    def __post_init__(self) -> None:
        _finite("Point score", self.score)


@dataclass(frozen=True)
class Series:
    """One subscale. ``style`` picks colour, marker shape and dash pattern together."""

    name: str
    points: Sequence[Point] = ()
    style: int = 0


@dataclass(frozen=True)
class NoteMarker:
    """A session note on the time axis. ``label`` is short: its type and tags, never its text."""

    date: date
    label: str


@dataclass(frozen=True)
class TrajectoryChart:
    """Everything ``trajectory_svg`` draws. Points and notes outside start..end are left out.

    ``baseline`` draws a labelled vertical rule on that date. ``earlier`` are the series' scores
    from earlier episodes of care, drawn grey in a shaded area up to ``episode_start``, the
    current episode's start (``series`` hold the current episode's). ``id_prefix`` must be unique on
    a page that shows several charts inline; by default it is derived from the content.
    ``height`` grows when the legend needs more rows than fit.
    """

    title: str
    y: YScale
    start: date
    end: date
    series: Sequence[Series] = ()
    bands: Sequence[Band] = ()
    baseline: date | None = None
    notes: Sequence[NoteMarker] = ()
    earlier: Sequence[Series] = ()
    episode_start: date | None = None
    width: int = 720
    height: int = 360
    empty_message: str = "No scores in this period."
    description: str | None = None
    id_prefix: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Chart end ({self.end}) is before start ({self.start})")
        if self.width < 320 or self.height < 200:
            raise ValueError("A trajectory chart needs at least 320 x 200 pixels")
        check_id_prefix(self.id_prefix)


def contiguous_bands(
    ranges: Sequence[tuple[float, float, str]], scale: YScale | None = None
) -> list[Band]:
    """Bands from an instrument's inclusive ranges, e.g. [(0, 4, "Minimal"), (5, 9, "Mild")].

    Neighbouring bands meet halfway between one's max and the next one's min (4.5), so integer
    scores sit inside their band rather than on an edge; levels follow the order given.
    With ``scale``, the outer edges are clamped to it.
    """
    ordered = sorted(ranges, key=lambda r: r[0])
    bands = []
    for i, (low, high, label) in enumerate(ordered):
        lo = (ordered[i - 1][1] + low) / 2 if i > 0 else low
        hi = (high + ordered[i + 1][0]) / 2 if i + 1 < len(ordered) else high
        if scale is not None:
            lo, hi = max(lo, scale.min), min(hi, scale.max)
        bands.append(Band(low=lo, high=hi, label=label, level=i))
    return bands


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance of an RGB triple in 0..1."""
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _band_fill(level: int, top_level: int) -> str:
    """A pale tint from green (least severe) through yellow to red (most severe), with the
    label saying the rest. Its luminance falls evenly with the level (0.93 to 0.77), so the
    bands read in greyscale and print, and the first series' colours keep 3:1 against each."""
    t = level / max(top_level, 1)
    hue, target = (130 - 130 * t) / 360, 0.93 - 0.16 * t
    low, high = 0.5, 1.0  # HLS lightness, found by bisection for the target luminance
    for _ in range(24):
        middle = (low + high) / 2
        if _luminance(colorsys.hls_to_rgb(hue, middle, 0.7)) < target:
            low = middle
        else:
            high = middle
    r, g, b = (round(c * 255) for c in colorsys.hls_to_rgb(hue, high, 0.7))
    return f"#{r:02x}{g:02x}{b:02x}"


def _note_label(text: str) -> str:
    text = clean(text)
    return text if len(text) <= NOTE_LABEL_MAX else text[: NOTE_LABEL_MAX - 1].rstrip() + "…"


def _direction(scale: YScale) -> str:
    if scale.better == "lower":
        return gettext("higher is worse")
    if scale.better == "higher":
        return gettext("higher is better")
    return ""


def _visible(chart: TrajectoryChart, series_=None) -> list[tuple[Series, list[Point]]]:
    out = []
    for series in chart.series if series_ is None else series_:
        points = sorted(
            (p for p in series.points if chart.start <= p.date <= chart.end), key=lambda p: p.date
        )
        out.append((series, points))
    return out


def _notes_by_date(chart: TrajectoryChart) -> list[tuple[date, str]]:
    grouped: dict[date, list[str]] = {}
    for note in sorted(chart.notes, key=lambda n: n.date):
        if chart.start <= note.date <= chart.end:
            grouped.setdefault(note.date, []).append(_note_label(note.label))
    return [(day, "; ".join(labels)) for day, labels in grouped.items()]


def point_label(series: Series, point: Point) -> str:
    """The tooltip and accessible name of a point: "Anxiety, 3 Jan 2025: 14 (baseline)"."""
    text = f"{clean(series.name)}, {fmt_date(point.date)}: {fmt_score(point.score)}"
    return f"{text} ({clean(point.label)})" if point.label else text


def _describe(chart: TrajectoryChart, visible: list[tuple[Series, list[Point]]]) -> str:
    period = gettext("%(start)s to %(end)s") % {
        "start": fmt_date(chart.start),
        "end": fmt_date(chart.end),
    }
    parts = [chart.description] if chart.description else []
    if not any(points for _, points in visible):
        parts.append(f"{chart.empty_message} ({period}).")
        return " ".join(parts)
    parts.append(f"{chart.y.label}, {period}.")
    for series, points in visible:
        if not points:
            continue
        first, last = points[0], points[-1]
        words = {
            "series": series.name,
            "count": ngettext("%(n)s score", "%(n)s scores", len(points)) % {"n": len(points)},
            "first": fmt_score(first.score),
            "first_date": fmt_date(first.date),
            "latest": fmt_score(last.score),
            "latest_date": fmt_date(last.date),
        }
        if len(points) == 1:
            parts.append(gettext("%(series)s: %(count)s, %(first)s on %(first_date)s.") % words)
        else:
            parts.append(
                gettext(
                    "%(series)s: %(count)s, first %(first)s on %(first_date)s, latest "
                    "%(latest)s on %(latest_date)s."
                )
                % words
            )
    if chart.bands:
        bands = ", ".join(b.label for b in sorted(chart.bands, key=lambda b: b.low))
        parts.append(gettext("Shaded bands from low to high scores: %(bands)s.") % {"bands": bands})
    if chart.baseline and chart.start <= chart.baseline <= chart.end:
        parts.append(gettext("Baseline %(date)s.") % {"date": fmt_date(chart.baseline)})
    earlier = sum(len(points) for _, points in _visible(chart, chart.earlier))
    if earlier:
        parts.append(earlier_description(earlier, chart.episode_start))
    notes = _notes_by_date(chart)
    if notes:
        parts.append(
            ngettext(
                "%(n)s session date with notes marked.",
                "%(n)s session dates with notes marked.",
                len(notes),
            )
            % {"n": len(notes)}
        )
    if _direction(chart.y):
        parts.append(gettext("On this scale %(direction)s.") % {"direction": _direction(chart.y)})
    return " ".join(parts)


def trajectory_svg(chart: TrajectoryChart, *, style_nonce: str | None = None) -> str:
    """Render ``chart`` as a standalone SVG document (a string), the same for page and PDF.
    ``style_nonce`` marks the tooltip ``<style>`` for a page's Content-Security-Policy."""
    prefix = chart.id_prefix or default_id_prefix("trajectory", chart)
    scale = chart.y
    visible = _visible(chart)
    has_points = any(points for _, points in visible)
    notes = _notes_by_date(chart)
    show_baseline = chart.baseline is not None and chart.start <= chart.baseline <= chart.end
    width = chart.width

    # Horizontal layout: score labels on the left, band labels in a gutter on the right.
    y_ticks = nice_ticks(scale.min, scale.max, 7)
    tick_w = max(text_width(fmt_score(t), 11) for t in y_ticks)
    left = max(round(tick_w) + 16, 48 if notes else 0, 36)
    band_w = max((text_width(b.label, 10.5) for b in chart.bands), default=0)
    right = min(band_w + 18, width * 0.26) if chart.bands else 20
    plot_left, plot_right = left, width - right
    plot_w = plot_right - plot_left

    # Vertical layout: title, axis label, plot, date labels, notes lane, legend.
    legend = _legend_items(visible, show_baseline, bool(notes))
    rows = legend_layout(legend, width - plot_left - 12)
    bottom = 36 + (24 if notes else 0) + len(rows) * LEGEND_ROW + 8
    top = 56
    height = max(chart.height, top + 100 + bottom)
    plot_top, plot_bottom = top, height - bottom
    plot_h = plot_bottom - plot_top

    domain_start, domain_end = chart.start, chart.end
    if domain_start == domain_end:
        domain_start -= timedelta(days=3)  # a week, centred on the day, ticked daily
        domain_end += timedelta(days=3)
    span = (domain_end - domain_start).days
    inner = 12  # keep points at the range ends off the frame

    def x_of(day: date) -> float:
        offset = (day.toordinal() - domain_start.toordinal()) / span
        return plot_left + inner + offset * (plot_w - 2 * inner)

    def y_of(score: float) -> float:
        clamped = min(max(score, scale.min), scale.max)
        return plot_bottom - (clamped - scale.min) / (scale.max - scale.min) * plot_h

    focusables: list[Focusable] = []
    for series, points in visible:
        focusables += [
            Focusable(x_of(p.date), y_of(p.score), point_label(series, p)) for p in points
        ]
    lane_y = plot_bottom + 36 + 8
    note_items = [Focusable(x_of(day), lane_y, f"{fmt_date(day)}: {text}") for day, text in notes]

    w = SvgWriter()
    open_root(
        w,
        style_nonce=style_nonce,
        prefix=prefix,
        kind="trajectory",
        width=width,
        height=height,
        title=chart.title,
        desc=_describe(chart, visible),
        tips=focusables + note_items,
    )
    w.start("g", {"class": "att-decor", "aria-hidden": "true"})
    w.text(12, 22, chart.title, size=15, bold=True, max_width=width - 24, cls="att-title")
    axis_label = scale.label + (f" · {_direction(scale)}" if _direction(scale) else "")
    w.text(plot_left, 44, axis_label, size=11, fill=MUTED, max_width=plot_w, cls="att-axis-label")

    # Bands (or, without bands, a light score grid), then the frame.
    top_level = max((b.level for b in chart.bands), default=0)
    w.start("g", {"class": "att-bands"})
    band_labels = []
    for band in sorted(chart.bands, key=lambda b: b.low):
        low, high = max(band.low, scale.min), min(band.high, scale.max)
        if low >= high:
            continue
        y_hi, y_lo = y_of(high), y_of(low)
        w.el(
            "rect",
            {
                "class": "att-band",
                "data-level": band.level,
                "x": plot_left,
                "y": y_hi,
                "width": plot_w,
                "height": y_lo - y_hi,
                "fill": _band_fill(band.level, top_level),
            },
        )
        if high < scale.max:
            w.el("line", _hline(plot_left, plot_right, y_hi, "#b4bbb7", 0.75))
        band_labels.append(((y_hi + y_lo) / 2, band.label))
    for y, label in _spread(band_labels, 13, plot_top, plot_bottom):
        w.text(
            plot_right + 7, y + 4, label, size=10.5, fill=INK, max_width=right - 10,
            cls="att-band-label",
        )  # fmt: skip
    w.end("g")

    w.start("g", {"class": "att-y-axis"})
    for tick in y_ticks:
        y = y_of(tick)
        if scale.min < tick < scale.max and not chart.bands:  # bands are reference enough
            w.el("line", _hline(plot_left, plot_right, y, GRID, 0.75))
        w.text(plot_left - 7, y + 4, fmt_score(tick), size=11, anchor="end", fill=MUTED)
    w.end("g")
    w.el(
        "rect",
        {
            "class": "att-plot",
            "x": plot_left,
            "y": plot_top,
            "width": plot_w,
            "height": plot_h,
            "fill": "none",
            "stroke": LINE,
            "stroke-width": 1,
        },
    )

    w.start("g", {"class": "att-x-axis"})
    for tick in date_ticks(domain_start, domain_end, max(2, int(plot_w // 70))):
        x = x_of(tick.day)
        w.el("line", {"x1": x, "y1": plot_bottom, "x2": x, "y2": plot_bottom + 5, "stroke": LINE})
        w.text(x, plot_bottom + 18, tick.label, size=11, anchor="middle", fill=MUTED)
        if tick.year:
            w.text(x, plot_bottom + 31, tick.year, size=10, anchor="middle", fill=MUTED)
    w.end("g")

    if show_baseline:
        assert chart.baseline is not None
        x = x_of(chart.baseline)
        w.start("g", {"class": "att-baseline"})
        w.el(
            "line",
            {"x1": x, "y1": plot_top, "x2": x, "y2": plot_bottom, "stroke": INK,
             "stroke-width": 1.25, "stroke-dasharray": "5 3"},
        )  # fmt: skip
        baseline_label = gettext("Baseline")
        label_w = text_width(baseline_label, 10.5, bold=True) + 8
        box_x, box_y = _baseline_label_spot(
            x, label_w, focusables, (plot_left, plot_top, plot_right, plot_bottom)
        )
        w.el(
            "rect",
            {
                "x": box_x,
                "y": box_y,
                "width": label_w,
                "height": 16,
                "fill": "#ffffff",
                "opacity": 0.9,
            },
        )
        w.text(box_x + 4, box_y + 12, baseline_label, size=10.5, bold=True, fill=INK)
        w.end("g")

    if chart.episode_start is not None and chart.start < chart.episode_start:
        episode_x = min(x_of(min(chart.episode_start, chart.end)), plot_right)
        draw_earlier_area(w, plot_left, episode_x, plot_top, plot_bottom)
    earlier = [(s.name, points) for s, points in _visible(chart, chart.earlier) if points]
    draw_earlier_points(w, earlier, lambda p: (x_of(p.date), y_of(p.score)), score_words)

    if notes:
        w.text(plot_left - 7, lane_y + 4, gettext("Notes"), size=10, anchor="end", fill=MUTED)
        w.el("line", _hline(plot_left, plot_right, lane_y + 4, GRID, 1))

    w.start("g", {"class": "att-lines"})
    for series, points in visible:
        if len(points) < 2:
            continue
        colour, dash = series_look(series.style)
        w.el(
            "polyline",
            {
                "class": "att-line",
                "points": " ".join(f"{num(x_of(p.date))},{num(y_of(p.score))}" for p in points),
                "fill": "none",
                "stroke": colour,
                "stroke-width": 2,
                "stroke-dasharray": dash,
                "stroke-linejoin": "round",
            },
        )
    w.end("g")

    if not has_points:
        msg = clean(chart.empty_message)
        box_w = min(text_width(msg, 13) + 32, plot_w - 20)
        cx, cy = (plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2
        w.el(
            "rect",
            {"class": "att-empty", "x": cx - box_w / 2, "y": cy - 18, "width": box_w, "height": 36,
             "rx": 4, "fill": "#ffffff", "stroke": LINE},
        )  # fmt: skip
        w.text(cx, cy + 5, msg, size=13, anchor="middle", fill=INK, max_width=box_w - 16)

    draw_legend(w, legend, rows, plot_left, plot_bottom + 36 + (24 if notes else 0) + 12)
    w.end("g")

    # Focusable points and note markers, then their tooltips (later siblings, drawn on top).
    w.start("g", {"class": "att-interactive"})
    index = 0
    for series, points in visible:
        colour, _ = series_look(series.style)
        for _point in points:
            item = focusables[index]
            focusable_start(w, prefix, index, item, f"att-point att-s{series.style}")
            marker_shape(
                w, series.style, item.x, item.y, 4.5,
                {"fill": colour, "stroke": "#ffffff", "stroke-width": 1.25},
            )  # fmt: skip
            w.end("g")
            index += 1
    for item in note_items:
        focusable_start(w, prefix, index, item, "att-note")
        x, y = item.x, item.y
        w.el(
            "polygon",
            {"class": "att-mark", "points": f"{num(x)},{num(y - 6)} {num(x + 5)},{num(y + 4)} {num(x - 5)},{num(y + 4)}",
             "fill": MUTED},
        )  # fmt: skip
        w.end("g")
        index += 1
    draw_tips(w, prefix, focusables + note_items, width, height)
    w.end("g")
    w.end("svg")
    return w.result()


def _baseline_label_spot(
    x: float, label_w: float, points: list[Focusable], plot: tuple[float, float, float, float]
) -> tuple[float, float]:
    """Where the "Baseline" label hides no point: beside the rule at the top, else the bottom."""
    left, top, right, bottom = plot
    spots = []
    for y in (top + 4, bottom - 20):
        for bx in (x + 4, x - 4 - label_w):
            if left <= bx and bx + label_w <= right:
                spots.append((bx, y))
    if not spots:
        spots = [(max(left, min(x - label_w / 2, right - label_w)), top + 4)]

    def hidden(spot: tuple[float, float]) -> int:
        bx, by = spot
        return sum(bx - 6 < p.x < bx + label_w + 6 and by - 6 < p.y < by + 16 + 6 for p in points)

    return min(spots, key=hidden)  # ties keep the earlier, preferred spot


def _hline(x1: float, x2: float, y: float, stroke: str, width: float) -> dict:
    return {"x1": x1, "y1": y, "x2": x2, "y2": y, "stroke": stroke, "stroke-width": width}


def _spread(
    labels: list[tuple[float, str]], gap: float, lowest: float, highest: float
) -> list[tuple[float, str]]:
    """Move label centres apart by at least ``gap`` and keep them within [lowest, highest]."""
    ordered = sorted(labels)
    ys = [y for y, _ in ordered]
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + gap)
    if ys and ys[-1] > highest - gap / 2:
        ys[-1] = highest - gap / 2
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - gap)
    return [(max(y, lowest + gap / 2), label) for y, (_, label) in zip(ys, ordered, strict=True)]


def _legend_items(
    visible: list[tuple[Series, list[Point]]], baseline: bool, notes: bool
) -> list[LegendItem]:
    items = []
    for series, points in visible:
        if points:
            items.append(LegendItem(truncate(series.name, 220, 11), _series_swatch(series.style)))
    if baseline:
        items.append(LegendItem(gettext("Baseline"), _baseline_swatch, swatch_width=12))
    if notes:
        items.append(LegendItem(gettext("Session note"), _note_swatch, swatch_width=12))
    return items


def _series_swatch(style: int):
    colour, dash = series_look(style)

    def draw(w: SvgWriter, x: float, y: float) -> None:
        w.el("line", {"x1": x, "y1": y, "x2": x + 28, "y2": y, "stroke": colour, "stroke-width": 2,
                      "stroke-dasharray": dash})  # fmt: skip
        marker_shape(
            w, style, x + 14, y, 4.5, {"fill": colour, "stroke": "#ffffff", "stroke-width": 1.25}
        )

    return draw


def _baseline_swatch(w: SvgWriter, x: float, y: float) -> None:
    w.el("line", {"x1": x + 6, "y1": y - 7, "x2": x + 6, "y2": y + 7, "stroke": INK, "stroke-width": 1.25,
                  "stroke-dasharray": "5 3"})  # fmt: skip


def _note_swatch(w: SvgWriter, x: float, y: float) -> None:
    w.el("polygon", {"points": f"{num(x + 6)},{num(y - 6)} {num(x + 11)},{num(y + 4)} {num(x + 1)},{num(y + 4)}",
                     "fill": MUTED})  # fmt: skip
