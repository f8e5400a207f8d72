"""Earlier episodes of care on both charts: their scores stay visible but greyed, apart from the
current episode's, which alone carry the baseline, the path and the focusable points."""

import itertools
from collections.abc import Callable, Sequence

from ._svg import MUTED, SvgWriter, fmt_date, fmt_score
from ._words import gettext, ngettext

EARLIER_INK = "#8c9491"  # grey points and lines; the label, not the colour, says what they are
EARLIER_AREA = "#eceeed"


def earlier_description(count: int, until=None) -> str:
    """The charts' description of the greyed scores: the colour is never the only signal."""
    if not count:
        return ""
    if until:
        text = ngettext(
            "%(n)s score from earlier episodes of care before %(date)s shown in grey; "
            "baseline and change are judged within the current episode.",
            "%(n)s scores from earlier episodes of care before %(date)s shown in grey; "
            "baseline and change are judged within the current episode.",
            count,
        )
        return text % {"n": count, "date": fmt_date(until)}
    text = ngettext(
        "%(n)s score from earlier episodes of care shown in grey; "
        "baseline and change are judged within the current episode.",
        "%(n)s scores from earlier episodes of care shown in grey; "
        "baseline and change are judged within the current episode.",
        count,
    )
    return text % {"n": count}


def draw_earlier_area(w: SvgWriter, x0: float, x1: float, top: float, bottom: float) -> None:
    """Shade the plot from ``x0`` to ``x1`` (the current episode's start) and label it."""
    if x1 <= x0:
        return
    w.start("g", {"class": "att-earlier-area"})
    w.el("rect", {"x": x0, "y": top, "width": x1 - x0, "height": bottom - top,
                  "fill": EARLIER_AREA, "fill-opacity": 0.75})  # fmt: skip
    w.el("line", {"x1": x1, "y1": top, "x2": x1, "y2": bottom, "stroke": MUTED,
                  "stroke-width": 1, "stroke-dasharray": "2 3"})  # fmt: skip
    if x1 - x0 > 70:
        label = gettext("Earlier episode")
        w.text(x0 + 4, bottom - 6, label, size=10, fill=MUTED, max_width=x1 - x0 - 8)
    w.end("g")


def draw_earlier_points(
    w: SvgWriter,
    lines: Sequence[tuple[str, Sequence]],
    place: Callable[[object], tuple[float, float]],
    describe: Callable[[object], str],
) -> None:
    """Each line of earlier-episode points (a name and its points, oldest first) as a thin grey
    line with small grey dots; ``place`` gives a point's (x, y), ``describe`` its words. An
    episode's points are joined only to the same episode's (``point.episode``)."""
    if not lines:
        return
    w.start("g", {"class": "att-earlier"})
    for name, points in lines:
        spots = [(place(p), p) for p in points]
        for first, second in itertools.pairwise(spots):
            if getattr(first[1], "episode", 0) == getattr(second[1], "episode", 0):
                (x1, y1), (x2, y2) = first[0], second[0]
                w.el("line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": EARLIER_INK,
                              "stroke-width": 1.25, "stroke-dasharray": "3 2"})  # fmt: skip
        for (x, y), point in spots:
            w.start("circle", {"class": "att-earlier-point", "cx": x, "cy": y, "r": 3.5,
                               "fill": EARLIER_INK, "stroke": "#ffffff", "stroke-width": 1})  # fmt: skip
            title = gettext("Earlier episode: %(name)s, %(point)s")
            w.el("title", None, title % {"name": name, "point": describe(point)})
            w.end("circle")
    w.end("g")


def score_words(point) -> str:
    """ "3 Jan 2025: 14" for a trajectory point."""
    return f"{fmt_date(point.date)}: {fmt_score(point.score)}"


def plane_words(point) -> str:
    """ "3 Jan 2025: avoidance 2.5, anxiety 4" for a point on the plane."""
    return f"{fmt_date(point.date)}: avoidance {fmt_score(point.x)}, anxiety {fmt_score(point.y)}"
