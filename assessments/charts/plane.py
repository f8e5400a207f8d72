"""The anxiety x avoidance plane: attachment-style quadrants and the client's path across them."""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ._earlier import draw_earlier_points, plane_words
from ._plane_words import describe, point_label
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
    default_id_prefix,
    draw_legend,
    draw_tips,
    fmt_date,
    fmt_score,
    focusable_start,
    legend_layout,
    nice_ticks,
    num,
    open_root,
    text_width,
)
from ._words import gettext

PATH_COLOUR = "#0072B2"
SECURE_FILL = "#e4efe8"
SECURE_HATCH = "#9dbfaa"


def _finite(name: str, *values: float) -> None:
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise ValueError(f"{name} must be finite numbers, got {values!r}")


@dataclass(frozen=True)
class PlaneAxis:
    """One axis of the plane. ``name`` is short ("Avoidance"); ``note`` qualifies it
    ("ECR-R mean, 1-7"). Scores on the ``low_side`` of ``split`` count as "low".
    High values are always drawn up (y) and right (x).
    """

    name: str
    min: float
    max: float
    split: float
    low_side: Literal["below", "above"] = "below"
    note: str | None = None

    def __post_init__(self) -> None:
        _finite(f"Axis {self.name!r} min/split/max", self.min, self.split, self.max)
        if not self.min < self.split < self.max:
            raise ValueError(f"Axis {self.name!r}: need min < split < max")
        if self.low_side not in ("below", "above"):
            raise ValueError(f"Axis {self.name!r}: low_side must be 'below' or 'above'")


@dataclass(frozen=True)
class Quadrant:
    """A labelled quadrant, placed by which side of each split it covers.

    For ECR-R: secure is ``Quadrant("low", "low", "Secure", secure=True)``, anxious-preoccupied
    ``("low", "high")``, dismissive-avoidant ``("high", "low")``, fearful-avoidant ``("high", "high")``
    (``x`` is avoidance, ``y`` anxiety). The ``secure`` quadrant is shaded and hatched.
    """

    x: Literal["low", "high"]
    y: Literal["low", "high"]
    label: str
    secure: bool = False

    def __post_init__(self) -> None:
        if self.x not in ("low", "high") or self.y not in ("low", "high"):
            raise ValueError(f"Quadrant {self.label!r}: x and y must be 'low' or 'high'")


@dataclass(frozen=True)
class PlanePoint:
    """One administration: its date and both scores; ``label`` (e.g. the style) is added to
    its tooltip."""

    date: date
    x: float
    y: float
    label: str | None = None
    episode: int = 0  # which earlier episode of care, for ``PlaneChart.earlier``

    def __post_init__(self) -> None:
        _finite("PlanePoint x/y", self.x, self.y)


@dataclass(frozen=True)
class PlaneChart:
    """Everything ``plane_svg`` draws. ``path`` is drawn in date order: the first point is the
    baseline, the last the latest. ``rc_x``/``rc_y`` are the reliable-change half-widths in
    score units, drawn as an ellipse around the baseline; ``None`` draws nothing.
    ``x_axis`` is avoidance and ``y_axis`` anxiety; only the labels come from here. ``earlier``
    are the scores of earlier episodes of care, drawn small and grey under the path.
    """

    title: str
    x_axis: PlaneAxis
    y_axis: PlaneAxis
    quadrants: Sequence[Quadrant] = ()
    path: Sequence[PlanePoint] = ()
    earlier: Sequence[PlanePoint] = ()
    rc_x: float | None = None
    rc_y: float | None = None
    width: int = 560
    height: int = 600
    empty_message: str = "No scores in this period."
    description: str | None = None
    id_prefix: str | None = None

    def __post_init__(self) -> None:
        sides = [(q.x, q.y) for q in self.quadrants]
        if len(set(sides)) != len(sides):
            raise ValueError("Two quadrants cover the same sides")
        if (self.rc_x is None) != (self.rc_y is None):
            raise ValueError("Give both rc_x and rc_y, or neither")
        if self.rc_x is not None and self.rc_y is not None:
            _finite("rc_x/rc_y", self.rc_x, self.rc_y)
            if self.rc_x <= 0 or self.rc_y <= 0:
                raise ValueError("rc_x and rc_y must be positive")
        if self.width < 320 or self.height < 320:
            raise ValueError("A plane chart needs at least 320 x 320 pixels")
        check_id_prefix(self.id_prefix)


def plane_svg(chart: PlaneChart, *, style_nonce: str | None = None) -> str:
    """Render ``chart`` as a standalone SVG document (a string), the same for page and PDF.
    ``style_nonce`` marks the tooltip ``<style>`` for a page's Content-Security-Policy."""
    prefix = chart.id_prefix or default_id_prefix("plane", chart)
    xa, ya = chart.x_axis, chart.y_axis
    path = sorted(chart.path, key=lambda p: p.date)
    secure = [q for q in chart.quadrants if q.secure]
    has_rc = chart.rc_x is not None and chart.rc_y is not None and bool(path)
    width = chart.width

    x_ticks = nice_ticks(xa.min, xa.max, 8)
    y_ticks = nice_ticks(ya.min, ya.max, 8)
    legend = _legend_items(path, has_rc, secure[0].label if secure else None, prefix)
    left = max(text_width(fmt_score(t), 11) for t in [*y_ticks, ya.split]) + 16
    right = 20
    rows = legend_layout(legend, width - 24)
    top = 58
    bottom = 44 + len(rows) * LEGEND_ROW + 12
    side = min(width - left - right, chart.height - top - bottom)
    height = chart.height
    if side < 200:
        side = 200
        height = top + side + bottom
    plot_left = left + (width - left - right - side) / 2
    plot_right = plot_left + side
    plot_top, plot_bottom = top, top + side

    def x_of(value: float) -> float:
        value = min(max(value, xa.min), xa.max)
        return plot_left + (value - xa.min) / (xa.max - xa.min) * side

    def y_of(value: float) -> float:
        value = min(max(value, ya.min), ya.max)
        return plot_bottom - (value - ya.min) / (ya.max - ya.min) * side

    count = len(path)
    items = [
        Focusable(x_of(p.x), y_of(p.y), point_label(chart, i, p, count)) for i, p in enumerate(path)
    ]

    w = SvgWriter()
    open_root(
        w,
        style_nonce=style_nonce,
        prefix=prefix,
        kind="plane",
        width=width,
        height=height,
        title=chart.title,
        desc=describe(chart, path),
        tips=items,
    )
    w.start("defs")
    w.start(
        "pattern",
        {"id": f"{prefix}-hatch", "patternUnits": "userSpaceOnUse", "width": 8, "height": 8},
    )
    w.el("rect", {"width": 8, "height": 8, "fill": SECURE_FILL})
    w.el(
        "path",
        {"d": "M-2,2 L2,-2 M0,8 L8,0 M6,10 L10,6", "stroke": SECURE_HATCH, "stroke-width": 1.25},
    )
    w.end("pattern")
    w.start("clipPath", {"id": f"{prefix}-clip"})
    w.el("rect", {"x": plot_left, "y": plot_top, "width": side, "height": side})
    w.end("clipPath")
    w.end("defs")

    w.start("g", {"class": "att-decor", "aria-hidden": "true"})
    w.text(12, 22, chart.title, size=15, bold=True, max_width=width - 24, cls="att-title")
    w.text(
        plot_left,
        46,
        _axis_text(ya, "up"),
        size=11,
        fill=MUTED,
        max_width=width - plot_left - 12,
        cls="att-axis-label",
    )

    split_x, split_y = x_of(xa.split), y_of(ya.split)
    boxes = _quadrant_boxes(chart, (plot_left, plot_top, plot_right, plot_bottom), split_x, split_y)
    for quadrant, (x0, y0, x1, y1) in boxes:
        if quadrant.secure:
            box = {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}
            w.el("rect", {"class": "att-quadrant att-secure", **box, "fill": SECURE_FILL})
            w.el("rect", {**box, "fill": f"url(#{prefix}-hatch)", "opacity": 0.7})

    w.start("g", {"class": "att-grid"})
    for tick in x_ticks:
        x = x_of(tick)
        if xa.min < tick < xa.max and abs(x - split_x) > 1:
            w.el("line", {"x1": x, "y1": plot_top, "x2": x, "y2": plot_bottom, "stroke": GRID})
    for tick in y_ticks:
        y = y_of(tick)
        if ya.min < tick < ya.max and abs(y - split_y) > 1:
            w.el("line", {"x1": plot_left, "y1": y, "x2": plot_right, "y2": y, "stroke": GRID})
    w.end("g")
    split_style = {"stroke": MUTED, "stroke-width": 1.25, "stroke-dasharray": "6 4"}
    w.el(
        "line",
        {
            "class": "att-split",
            "x1": split_x,
            "y1": plot_top,
            "x2": split_x,
            "y2": plot_bottom,
            **split_style,
        },
    )
    w.el(
        "line",
        {
            "class": "att-split",
            "x1": plot_left,
            "y1": split_y,
            "x2": plot_right,
            "y2": split_y,
            **split_style,
        },
    )
    w.el("rect", {"class": "att-plot", "x": plot_left, "y": plot_top, "width": side, "height": side,
                  "fill": "none", "stroke": LINE})  # fmt: skip
    label_boxes = []  # kept clear when placing the baseline and latest labels
    for quadrant, (x0, y0, x1, y1) in boxes:  # labels over the grid lines
        on_left, on_bottom = x0 == plot_left, y1 == plot_bottom
        shown_w = min(text_width(quadrant.label, 12.5, bold=True), x1 - x0 - 20)
        # The outer corner, unless the client's points sit there; then another corner.
        spots = []
        for outer_y in (True, False):
            for outer_x in (True, False):
                at_left = on_left == outer_x
                at_bottom = on_bottom == outer_y
                start_x = x0 + 10 if at_left else x1 - 10 - shown_w
                label_y = y1 - 11 if at_bottom else y0 + 21
                spots.append((start_x, label_y - 12, start_x + shown_w, label_y + 3))
        label_box = min(
            spots,
            key=lambda b: sum(
                _overlaps(b, (i.x - 11, i.y - 11, i.x + 11, i.y + 11)) for i in items
            ),
        )
        label_boxes.append(label_box)
        label_y = label_box[3] - 3
        label_x, anchor = (x0 + 10, "start") if label_box[0] == x0 + 10 else (x1 - 10, "end")
        w.text(
            label_x, label_y, quadrant.label, size=12.5, bold=True, anchor=anchor,
            fill=INK if quadrant.secure else MUTED, max_width=x1 - x0 - 20,
            cls="att-quadrant-label" + (" att-secure-label" if quadrant.secure else ""),
        )  # fmt: skip

    for tick, bold in _with_split(x_ticks, xa.split, (xa.max - xa.min) / side * 18):
        w.text(
            x_of(tick),
            plot_bottom + 17,
            fmt_score(tick),
            size=11,
            anchor="middle",
            bold=bold,
            fill=INK if bold else MUTED,
        )
    for tick, bold in _with_split(y_ticks, ya.split, (ya.max - ya.min) / side * 14):
        w.text(
            plot_left - 7,
            y_of(tick) + 4,
            fmt_score(tick),
            size=11,
            anchor="end",
            bold=bold,
            fill=INK if bold else MUTED,
        )
    w.text(plot_right, plot_bottom + 35, _axis_text(xa, "right"), size=11, anchor="end", fill=MUTED,
           max_width=side, cls="att-axis-label")  # fmt: skip

    if has_rc:
        assert chart.rc_x is not None and chart.rc_y is not None
        base = items[0]
        w.start("g", {"class": "att-rc", "clip-path": f"url(#{prefix}-clip)"})
        w.start(
            "ellipse",
            {"class": "att-rc-margin", "cx": base.x, "cy": base.y,
             "rx": chart.rc_x / (xa.max - xa.min) * side, "ry": chart.rc_y / (ya.max - ya.min) * side,
             "fill": INK, "fill-opacity": 0.06, "stroke": INK, "stroke-width": 1.25,
             "stroke-dasharray": "4 3"},
        )  # fmt: skip
        w.el(
            "title",
            None,
            gettext("Reliable change margin: %(rc_x)s %(x)s, %(rc_y)s %(y)s around the baseline")
            % {
                "rc_x": fmt_score(chart.rc_x),
                "x": xa.name,
                "rc_y": fmt_score(chart.rc_y),
                "y": ya.name,
            },
        )
        w.end("ellipse")
        w.end("g")

    earlier = sorted(chart.earlier, key=lambda p: p.date)
    draw_earlier_points(w, [(gettext("anxiety and avoidance"), earlier)] if earlier else [],
                        lambda p: (x_of(p.x), y_of(p.y)), plane_words)  # fmt: skip
    if len(items) > 1:
        w.start("g", {"class": "att-path"})
        w.el("polyline", {"points": " ".join(f"{num(i.x)},{num(i.y)}" for i in items), "fill": "none",
                          "stroke": PATH_COLOUR, "stroke-width": 2, "stroke-linejoin": "round"})  # fmt: skip
        for a, b in itertools.pairwise(items):
            _arrowhead(w, a, b)
        w.end("g")

    if path:
        _end_labels(w, path, items, (plot_left, plot_top, plot_right, plot_bottom), label_boxes)
    else:
        msg = clean(chart.empty_message)
        box_w = min(text_width(msg, 13) + 32, side - 20)
        cx, cy = (plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2
        w.el("rect", {"class": "att-empty", "x": cx - box_w / 2, "y": cy - 18, "width": box_w, "height": 36,
                      "rx": 4, "fill": "#ffffff", "stroke": LINE})  # fmt: skip
        w.text(cx, cy + 5, msg, size=13, anchor="middle", max_width=box_w - 16)

    draw_legend(w, legend, rows, 12, plot_bottom + 44 + 12)
    w.end("g")

    w.start("g", {"class": "att-interactive"})
    for i, item in enumerate(items):
        role = "baseline" if i == 0 else "latest" if i == count - 1 else "step"
        focusable_start(w, prefix, i, item, f"att-point att-{role}", ring=14)
        _point_shape(w, role, item.x, item.y, str(i + 1))
        w.end("g")
    draw_tips(w, prefix, items, width, height)
    w.end("g")
    w.end("svg")
    return w.result()


def _quadrant_boxes(
    chart: PlaneChart, plot: tuple[float, float, float, float], split_x: float, split_y: float
) -> list[tuple[Quadrant, tuple[float, float, float, float]]]:
    """Each quadrant with its (x0, y0, x1, y1) box: "low" is left/bottom unless the axis says
    its low side is above the split."""
    left, top, right, bottom = plot
    out = []
    for quadrant in chart.quadrants:
        on_left = (quadrant.x == "low") == (chart.x_axis.low_side == "below")
        on_bottom = (quadrant.y == "low") == (chart.y_axis.low_side == "below")
        x0, x1 = (left, split_x) if on_left else (split_x, right)
        y0, y1 = (split_y, bottom) if on_bottom else (top, split_y)
        out.append((quadrant, (x0, y0, x1, y1)))
    return out


def _axis_text(axis: PlaneAxis, direction: str) -> str:
    name = f"{axis.name} ({axis.note})" if axis.note else axis.name
    if direction == "up":
        return gettext("%(axis)s, higher up") % {"axis": name}
    return gettext("%(axis)s, higher right") % {"axis": name}


def _with_split(ticks: list[float], split: float, too_close: float) -> list[tuple[float, bool]]:
    """Tick labels plus the split value in bold; plain ticks crowding it are dropped."""
    out = [(t, False) for t in ticks if abs(t - split) >= too_close]
    return sorted([*out, (split, True)])


def _arrowhead(w: SvgWriter, a: Focusable, b: Focusable) -> None:
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy)
    if length < 44:  # too short to carry an arrow between two point markers
        return
    ux, uy = dx / length, dy / length
    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    tip = (mx + ux * 5, my + uy * 5)
    left = (mx - ux * 5 - uy * 4.5, my - uy * 5 + ux * 4.5)
    right = (mx - ux * 5 + uy * 4.5, my - uy * 5 - ux * 4.5)
    w.el("polygon", {"class": "att-arrow", "fill": PATH_COLOUR,
                     "points": " ".join(f"{num(px)},{num(py)}" for px, py in (tip, left, right))})  # fmt: skip


def _point_shape(w: SvgWriter, role: str, x: float, y: float, number: str) -> None:
    size = 10 if len(number) < 3 else 8
    if role == "baseline":
        w.el("rect", {"class": "att-mark", "x": x - 9, "y": y - 9, "width": 18, "height": 18,
                      "fill": "#ffffff", "stroke": INK, "stroke-width": 2})  # fmt: skip
        ink = INK
    elif role == "latest":
        w.el("circle", {"class": "att-mark", "cx": x, "cy": y, "r": 10.5, "fill": PATH_COLOUR,
                        "stroke": "#ffffff", "stroke-width": 1.5})  # fmt: skip
        ink = "#ffffff"
    else:
        w.el("circle", {"class": "att-mark", "cx": x, "cy": y, "r": 9, "fill": "#ffffff",
                        "stroke": PATH_COLOUR, "stroke-width": 1.75})  # fmt: skip
        ink = PATH_COLOUR
    w.el("text", {"x": x, "y": y + size * 0.36, "font-size": size, "font-weight": "bold",
                  "text-anchor": "middle", "fill": ink}, number)  # fmt: skip


def _end_labels(
    w: SvgWriter,
    path: list[PlanePoint],
    items: list[Focusable],
    plot: tuple[float, float, float, float],
    keep_clear: list[tuple[float, float, float, float]],
) -> None:
    """Label the baseline and latest points beside them, where they hide the least."""
    if len(path) == 1:
        labels = [(0, f"{gettext('Baseline and latest')}, {fmt_date(path[0].date)}")]
    else:
        labels = [
            (0, f"{gettext('Baseline')}, {fmt_date(path[0].date)}"),
            (len(path) - 1, f"{gettext('Latest')}, {fmt_date(path[-1].date)}"),
        ]
    taken = [*keep_clear, *((i.x - 11, i.y - 11, i.x + 11, i.y + 11) for i in items)]
    left, top, right, bottom = plot
    for index, text in labels:
        item = items[index]
        box_w, box_h = text_width(text, 11, bold=True) + 8, 17
        # Right, left, above, below, the diagonals; then the same again further out.
        offsets = [
            (ox + sx * far, oy + sy * far)
            for far in (0, 24)
            for (ox, oy), (sx, sy) in [
                ((15, -box_h / 2), (1, 0)), ((-15 - box_w, -box_h / 2), (-1, 0)),
                ((-box_w / 2, -15 - box_h), (0, -1)), ((-box_w / 2, 15), (0, 1)),
                ((8, -12 - box_h), (1, -1)), ((-8 - box_w, -12 - box_h), (-1, -1)),
                ((8, 12), (1, 1)), ((-8 - box_w, 12), (-1, 1)),
            ]
        ]  # fmt: skip
        best = None
        for dx, dy in offsets:
            x = min(max(item.x + dx, left + 2), right - box_w - 2)
            y = min(max(item.y + dy, top + 2), bottom - box_h - 2)
            box = (x, y, x + box_w, y + box_h)
            hits = sum(_overlaps(box, other) for other in taken)
            if best is None or hits < best[0]:
                best = (hits, box)
            if hits == 0:
                break
        assert best is not None
        box = best[1]
        taken.append(box)
        x, y = box[0], box[1]
        w.el("rect", {"class": "att-end-label", "x": x, "y": y, "width": box_w, "height": box_h, "rx": 3,
                      "fill": "#ffffff", "fill-opacity": 0.9, "stroke": LINE, "stroke-width": 0.75})  # fmt: skip
        w.text(x + 4, y + 12.5, text, size=11, bold=True, fill=INK)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _legend_items(
    path: list[PlanePoint], has_rc: bool, secure_label: str | None, prefix: str
) -> list[LegendItem]:
    items = []
    if path:
        items.append(
            LegendItem(
                gettext("Baseline"), lambda w, x, y: _point_shape(w, "baseline", x + 9, y, "1"), 18
            )
        )
        if len(path) > 1:
            items.append(
                LegendItem(
                    gettext("Latest"),
                    lambda w, x, y: _point_shape(w, "latest", x + 10, y, str(len(path))),
                    20,
                )
            )
        if len(path) > 2:
            items.append(
                LegendItem(
                    gettext("Numbered in date order"),
                    lambda w, x, y: _point_shape(w, "step", x + 9, y, "2"),
                    18,
                )
            )
    if has_rc:
        items.append(LegendItem(gettext("Reliable change margin"), _rc_swatch, 26))
    if secure_label:

        def hatch(w: SvgWriter, x: float, y: float) -> None:
            box = {"x": x, "y": y - 7, "width": 22, "height": 14}
            w.el("rect", {**box, "fill": SECURE_FILL, "stroke": SECURE_HATCH})
            w.el("rect", {**box, "fill": f"url(#{prefix}-hatch)", "opacity": 0.7})

        highlighted = gettext("Highlighted: %(label)s") % {"label": clean(secure_label)}
        items.append(LegendItem(highlighted, hatch, 22))
    return items


def _rc_swatch(w: SvgWriter, x: float, y: float) -> None:
    w.el("ellipse", {"cx": x + 13, "cy": y, "rx": 12, "ry": 7, "fill": INK, "fill-opacity": 0.06,
                     "stroke": INK, "stroke-width": 1.25, "stroke-dasharray": "4 3"})  # fmt: skip
