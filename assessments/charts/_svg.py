"""Low-level SVG writing shared by the trajectory and plane charts.

Everything painted uses presentation attributes (``fill="…"``), not CSS: WeasyPrint, browsers
and image viewers all honour them. The one ``<style>`` element holds only the hover/focus rules
that reveal a point's tooltip, which a PDF never needs.
"""

import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ._words import decimal_mark, month_abbreviation

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', sans-serif"

INK = "#1d2327"
MUTED = "#59636b"
LINE = "#9aa3a0"
GRID = "#e3e6e4"
FOCUS = "#f2b705"

# Okabe-Ito, reordered so the first few have the most contrast on white and the pale bands.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#000000", "#CC79A7", "#E69F00", "#56B4E9")
DASHES = (None, "8 4", "2 3", "9 3 2 3", "4 3", "9 3 2 3 2 3")
SHAPES = ("circle", "square", "triangle", "diamond", "triangle-down", "plus")

_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# Characters XML 1.0 forbids; a label pasted from elsewhere must not break the document.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Advance widths of Arial / Liberation Sans (metric-compatible) for ASCII 32..126, in 1/1000 em.
_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip


def check_id_prefix(prefix: str | None) -> None:
    if prefix is not None and not _ID_RE.match(prefix):
        raise ValueError(
            f"id_prefix {prefix!r} must start with a letter and hold only letters, digits, - and _"
        )


def clean(text: str) -> str:
    """``text`` without characters that XML cannot carry, whitespace runs collapsed."""
    return " ".join(_XML_INVALID.sub("", str(text)).split())


def esc(text: str) -> str:
    """Escape for text content and double-quoted attributes alike."""
    return (
        clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def num(value: float) -> str:
    """A coordinate with at most two decimals, no trailing zeros, never ``-0``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_score(value: float) -> str:
    """A score as a person reads it: ``14``, ``3.4``, ``2.67``, with the active language's
    decimal mark (``2,67`` in Spanish). Coordinates keep the point (``num``)."""
    return num(round(value, 2)).replace(".", decimal_mark())


def fmt_date(day: date) -> str:
    """``3 Jan 2025``: unambiguous everywhere, independent of the server's locale; the month
    abbreviated in the active language (``3 Ene 2025`` in Spanish), as ``|date:"j M Y"``."""
    return f"{day.day} {month_abbreviation(day.month)} {day.year}"


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated rendered width of ``text`` in the chart font, for layout only."""
    units = sum(_WIDTHS[ord(ch) - 32] if 32 <= ord(ch) <= 126 else 600 for ch in text)
    return units * size / 1000 * (1.06 if bold else 1.0)


def truncate(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """``text`` shortened with an ellipsis so it fits ``max_width``."""
    text = clean(text)
    if text_width(text, size, bold) <= max_width:
        return text
    while text and text_width(text + "…", size, bold) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def default_id_prefix(kind: str, chart: object) -> str:
    """A stable id prefix from the chart's content, so the same input gives the same bytes."""
    return (
        f"att-{kind}-" + hashlib.sha1(repr(chart).encode(), usedforsecurity=False).hexdigest()[:8]
    )


Attrs = Mapping[str, object]


def _attrs(attrs: Attrs) -> str:
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            value = num(value)
        out.append(f' {key}="{esc(value)}"')
    return "".join(out)


class SvgWriter:
    """Appends elements to a list of lines; every attribute and text goes through ``esc``."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._depth = 0

    def start(self, tag: str, attrs: Attrs | None = None) -> None:
        self.lines.append("  " * self._depth + f"<{tag}{_attrs(attrs or {})}>")
        self._depth += 1

    def end(self, tag: str) -> None:
        self._depth -= 1
        self.lines.append("  " * self._depth + f"</{tag}>")

    def el(self, tag: str, attrs: Attrs | None = None, text: str | None = None) -> None:
        pad = "  " * self._depth
        if text is None:
            self.lines.append(f"{pad}<{tag}{_attrs(attrs or {})}/>")
        else:
            self.lines.append(f"{pad}<{tag}{_attrs(attrs or {})}>{esc(text)}</{tag}>")

    def raw(self, line: str) -> None:
        self.lines.append("  " * self._depth + line)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: float = 11,
        anchor: str = "start",
        bold: bool = False,
        fill: str = INK,
        max_width: float | None = None,
        cls: str | None = None,
    ) -> None:
        """One line of text; too long for ``max_width`` → ellipsis, full text as a tooltip."""
        full = clean(content)
        shown = truncate(full, max_width, size, bold) if max_width else full
        attrs = {
            "class": cls,
            "x": x,
            "y": y,
            "font-size": size,
            "font-weight": "bold" if bold else None,
            "text-anchor": None if anchor == "start" else anchor,
            "fill": fill,
        }
        if shown == full:
            self.el("text", attrs, shown)
        else:  # a <title> inside <text> would be drawn by some renderers; wrap instead
            self.start("g", {"class": "att-truncated"})
            self.el("title", None, full)
            self.el("text", attrs, shown)
            self.end("g")

    def result(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass(frozen=True)
class Focusable:
    """A keyboard-reachable item: its text shows as a tooltip on hover and on focus."""

    x: float
    y: float
    label: str


def open_root(
    w: SvgWriter,
    *,
    prefix: str,
    kind: str,
    width: int,
    height: int,
    title: str,
    desc: str,
    tips: Iterable[Focusable] = (),
    style_nonce: str | None = None,
) -> None:
    """The ``<svg>`` element, its accessible name and description, and the tooltip rules.

    The rules pair each point with its own tooltip by id, so they cannot live in the site's
    stylesheet; a page whose Content-Security-Policy forbids inline styles passes its nonce.

    The root is a named ``group``, not ``img``: an ``img`` makes its children presentational,
    which would hide the focusable points from assistive technology.
    """
    w.start(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": f"att-chart att-{kind}",
            "width": width,
            "height": height,
            "viewBox": f"0 0 {width} {height}",
            "role": "group",
            "aria-labelledby": f"{prefix}-title {prefix}-desc",
            "font-family": FONT_FAMILY,
        },
    )
    w.el("title", {"id": f"{prefix}-title"}, title)
    w.el("desc", {"id": f"{prefix}-desc"}, desc)
    rules = [
        # Focusable items draw their own ring; the browser's box outline would cover the tip.
        ".att-chart .att-focus { outline: none; cursor: default; }",
        ".att-chart .att-focus:focus .att-ring { visibility: visible; }",
    ]
    for i, _ in enumerate(tips):
        rules.append(
            f"#{prefix}-f{i}:hover ~ #{prefix}-t{i}, #{prefix}-f{i}:focus ~ #{prefix}-t{i}"
            " { visibility: visible; }"
        )
    w.start("style", {"nonce": style_nonce})
    for rule in rules:
        w.raw(rule)
    w.end("style")
    w.el("rect", {"class": "att-background", "width": width, "height": height, "fill": "#ffffff"})


def focusable_start(
    w: SvgWriter, prefix: str, index: int, item: Focusable, cls: str, ring: float = 11
) -> None:
    """Open the focusable group for item ``index``; the caller draws its shape and ends ``g``."""
    w.start(
        "g",
        {
            "id": f"{prefix}-f{index}",
            "class": f"att-focus {cls}",
            "tabindex": "0",
            "role": "img",
            "aria-label": item.label,
        },
    )
    w.el("title", None, item.label)
    # Yellow like the site's focus outline, with a dark edge so it shows on white too.
    w.start("g", {"class": "att-ring", "visibility": "hidden", "fill": "none"})
    w.el("circle", {"cx": item.x, "cy": item.y, "r": ring, "stroke": FOCUS, "stroke-width": 4})
    w.el(
        "circle", {"cx": item.x, "cy": item.y, "r": ring + 2.5, "stroke": INK, "stroke-width": 1.25}
    )
    w.end("g")


def draw_tips(
    w: SvgWriter, prefix: str, items: list[Focusable], width: float, height: float
) -> None:
    """Tooltip boxes, drawn last so they sit above everything; hidden until hover/focus.

    They must be later siblings of the focusable groups for the ``~`` selectors to reach them.
    """
    size = 11
    for i, item in enumerate(items):
        box_w = text_width(item.label, size) + 14
        box_h = 20
        x = min(max(item.x - box_w / 2, 2), width - box_w - 2)
        y = item.y - 14 - box_h
        if y < 2:
            y = item.y + 14
        y = min(y, height - box_h - 2)
        w.start(
            "g",
            {
                "id": f"{prefix}-t{i}",
                "class": "att-tip",
                "visibility": "hidden",
                "aria-hidden": "true",
            },
        )
        w.el(
            "rect",
            {
                "x": x,
                "y": y,
                "width": box_w,
                "height": box_h,
                "rx": 3,
                "fill": "#ffffff",
                "stroke": INK,
                "stroke-width": 1,
            },
        )
        w.el(
            "text",
            {"x": x + 7, "y": y + 14, "font-size": size, "fill": INK},
            item.label,
        )
        w.end("g")


def marker_shape(
    w: SvgWriter, style: int, x: float, y: float, r: float, attrs: Attrs, cls: str = "att-mark"
) -> None:
    """Series marker ``style`` (cycling through SHAPES) centred on (x, y) with radius ``r``."""
    shape = SHAPES[style % len(SHAPES)]
    base = {"class": cls, **attrs}
    if shape == "circle":
        w.el("circle", {**base, "cx": x, "cy": y, "r": r})
        return
    if shape == "square":
        s = r * 0.9
        pts = [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)]
    elif shape == "triangle":
        s = r * 1.2
        pts = [(x, y - s), (x + s * 0.95, y + s * 0.65), (x - s * 0.95, y + s * 0.65)]
    elif shape == "triangle-down":
        s = r * 1.2
        pts = [(x, y + s), (x + s * 0.95, y - s * 0.65), (x - s * 0.95, y - s * 0.65)]
    elif shape == "diamond":
        s = r * 1.25
        pts = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
    else:  # plus
        a, b = r * 1.15, r * 0.42
        pts = [
            (x - b, y - a), (x + b, y - a), (x + b, y - b), (x + a, y - b),
            (x + a, y + b), (x + b, y + b), (x + b, y + a), (x - b, y + a),
            (x - b, y + b), (x - a, y + b), (x - a, y - b), (x - b, y - b),
        ]  # fmt: skip
    w.el("polygon", {**base, "points": " ".join(f"{num(px)},{num(py)}" for px, py in pts)})


def series_look(style: int) -> tuple[str, str | None]:
    """(colour, dash pattern) for series ``style``; shape comes from ``marker_shape``."""
    return PALETTE[style % len(PALETTE)], DASHES[style % len(DASHES)]


def nice_ticks(low: float, high: float, max_ticks: int) -> list[float]:
    """Round-numbered ticks (steps of 1, 2, 2.5 or 5 times a power of ten) within [low, high]."""
    span = high - low
    raw = span / max(max_ticks - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for factor in (1, 2, 2.5, 5, 10):
        if span / (factor * magnitude) <= max_ticks - 1:
            step = factor * magnitude
            break
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


@dataclass(frozen=True)
class DateTick:
    day: date
    label: str
    year: str | None  # second line, on the first tick and where the year changes


def date_ticks(start: date, end: date, max_ticks: int) -> list[DateTick]:
    """Ticks for [start, end]: days or weeks for short ranges, months or years for long ones."""
    days = (end - start).days
    for step in (1, 2, 7, 14):
        if days // step + 1 <= max_ticks:
            # Weekly ticks fall on Mondays; date.min (ordinal 1) is a Monday.
            offset = (1 - start.toordinal()) % step if step >= 7 else 0
            first = start + timedelta(days=offset)
            picks = [first + timedelta(days=k) for k in range(0, days - offset + 1, step)]
            return _label_days(picks)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    for step in (1, 2, 3, 6, 12, 24, 60, 120):
        if months / step <= max_ticks:
            picks = []
            year, month = start.year, start.month
            while date(year, month, 1) <= end:
                day = date(year, month, 1)
                index = year * 12 + month - 1
                if day >= start and index % step == 0:
                    picks.append(day)
                month += 1
                if month == 13:
                    year, month = year + 1, 1
            if step >= 12:
                return [DateTick(d, str(d.year), None) for d in picks]
            out = []
            for i, d in enumerate(picks):
                new_year = i == 0 or d.year != picks[i - 1].year
                out.append(
                    DateTick(d, month_abbreviation(d.month), str(d.year) if new_year else None)
                )
            return out
    return []


def _label_days(picks: list[date]) -> list[DateTick]:
    out = []
    for i, d in enumerate(picks):
        new_year = i == 0 or d.year != picks[i - 1].year
        out.append(
            DateTick(d, f"{d.day} {month_abbreviation(d.month)}", str(d.year) if new_year else None)
        )
    return out


def legend_rows(items: list[float], available: float, gap: float = 18) -> list[list[int]]:
    """Flow items of the given widths into rows; returns the item indexes of each row."""
    rows: list[list[int]] = []
    used = available + 1
    for i, item_width in enumerate(items):
        if used + item_width > available and (not rows or rows[-1]):
            rows.append([])
            used = 0
        rows[-1].append(i)
        used += item_width + gap
    return rows


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: ``swatch(w, x, y)`` draws the key centred vertically on ``y``."""

    label: str
    swatch: Callable[[SvgWriter, float, float], None]
    swatch_width: float = 28

    def width(self) -> float:
        return self.swatch_width + 6 + text_width(self.label, LEGEND_SIZE)


LEGEND_SIZE = 11
LEGEND_ROW = 18


def legend_layout(items: list[LegendItem], available: float) -> list[list[int]]:
    return legend_rows([item.width() for item in items], available)


def draw_legend(
    w: SvgWriter, items: list[LegendItem], rows: list[list[int]], x0: float, y0: float
) -> None:
    """Legend rows from ``y0`` (centre of the first row) down, each row from ``x0``."""
    w.start("g", {"class": "att-legend"})
    for r, row in enumerate(rows):
        x = x0
        y = y0 + r * LEGEND_ROW
        for i in row:
            item = items[i]
            item.swatch(w, x, y)
            w.text(x + item.swatch_width + 6, y + 4, item.label, size=LEGEND_SIZE, fill=INK)
            x += item.width() + 18
    w.end("g")
