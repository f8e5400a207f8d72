"""The plane chart's words: each point's tooltip and the chart's description, so a reader who
cannot see the plane hears every number on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._earlier import earlier_description
from ._svg import clean, fmt_date, fmt_score
from ._words import gettext, ngettext

if TYPE_CHECKING:
    from .plane import PlaneChart, PlanePoint


def point_label(chart: PlaneChart, index: int, point: PlanePoint, count: int) -> str:
    """Tooltip and accessible name: "1. Baseline, 3 Jan 2025: Avoidance 3.2, Anxiety 5.1"."""
    role = ""
    if index == 0:
        role = gettext("Baseline and latest") if count == 1 else gettext("Baseline")
    elif index == count - 1:
        role = gettext("Latest")
    values = (
        f"{fmt_date(point.date)}: {clean(chart.x_axis.name)} "
        f"{fmt_score(point.x)}, {clean(chart.y_axis.name)} {fmt_score(point.y)}"
    )
    text = f"{index + 1}. {role}, {values}" if role else f"{index + 1}. {values}"
    return f"{text} ({clean(point.label)})" if point.label else text


def _side(side: str) -> str:
    """A quadrant's side of a split ("low" or "high") in words."""
    return gettext("low") if side == "low" else gettext("high")


def describe(chart: PlaneChart, path: list[PlanePoint]) -> str:
    x_name, y_name = chart.x_axis.name, chart.y_axis.name
    parts = [chart.description] if chart.description else []
    parts.append(gettext("%(y)s (up) by %(x)s (right).") % {"y": y_name, "x": x_name})
    if not path:
        parts.append(chart.empty_message)
    else:
        first, last = path[0], path[-1]
        words = {
            "n": len(path),
            "start": fmt_date(first.date),
            "end": fmt_date(last.date),
            "x": x_name,
            "y": y_name,
            "first_x": fmt_score(first.x),
            "first_y": fmt_score(first.y),
            "last_x": fmt_score(last.x),
            "last_y": fmt_score(last.y),
        }
        parts.append(
            ngettext(
                "%(n)s administration from %(start)s to %(end)s. Baseline %(x)s %(first_x)s, "
                "%(y)s %(first_y)s.",
                "%(n)s administrations from %(start)s to %(end)s. Baseline %(x)s %(first_x)s, "
                "%(y)s %(first_y)s.",
                len(path),
            )
            % words
        )
        if len(path) > 1:
            parts.append(gettext("Latest %(x)s %(last_x)s, %(y)s %(last_y)s.") % words)
    for quadrant in chart.quadrants:
        if quadrant.secure:
            parts.append(
                gettext("Highlighted quadrant: %(label)s (%(x_side)s %(x)s, %(y_side)s %(y)s).")
                % {
                    "label": quadrant.label,
                    "x_side": _side(quadrant.x),
                    "x": x_name,
                    "y_side": _side(quadrant.y),
                    "y": y_name,
                }
            )
    if chart.rc_x is not None and path:
        parts.append(
            gettext("Reliable change margin around the baseline: %(rc_x)s %(x)s, %(rc_y)s %(y)s.")
            % {
                "rc_x": fmt_score(chart.rc_x),
                "x": x_name,
                "rc_y": fmt_score(chart.rc_y or 0),
                "y": y_name,
            }
        )
    if chart.earlier:
        parts.append(earlier_description(len(chart.earlier)))
    return " ".join(parts)
