"""The charts of a report, drawn by ``assessments.charts`` (the renderer the web pages use) and
embedded as ``data:`` URIs, which the hardened fetcher allows.

A time chart's axis runs from the first administration shown to the last, not over the whole
period (a lone administration would otherwise sit at the right edge of a year); a short span is
widened evenly to ``MINIMUM_SPAN``, so a single point sits in the middle."""

import base64
import datetime

from django.utils.translation import gettext, ngettext

from assessments import scoring
from assessments.charts import (
    PlaneAxis,
    PlaneChart,
    PlanePoint,
    Point,
    Quadrant,
    Series,
    TrajectoryChart,
    YScale,
    contiguous_bands,
    format_score,
    plane_svg,
    trajectory_svg,
)
from assessments.charts.printable import printable
from assessments.trajectory import style_name

MINIMUM_SPAN = datetime.timedelta(days=56)


def svg_uri(svg: str) -> str:
    """``svg`` as paper draws it (``printable``: no focus rings, tooltips or their rules), as a
    ``data:`` URI."""
    data = printable(svg).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def local_date(at: datetime.datetime, zone) -> datetime.date:
    return at.astimezone(zone).date()


def scored_subscales(definition: dict) -> list[dict]:
    return list(definition.get("scoring", {}).get("subscales", []))


def time_axis(
    dates: list[datetime.date], period_start: datetime.date, period_end: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """Start and end of a time axis chosen from the data: the first to the last date, padded a
    little so no point sits on the frame, and at least ``MINIMUM_SPAN`` long (centred on the
    data). Without dates, the period."""
    if not dates:
        return period_start, period_end
    first, last = min(dates), max(dates)
    span = last - first
    pad = max((MINIMUM_SPAN - span) / 2, span / 20, datetime.timedelta(days=3))
    return first - datetime.timedelta(days=pad.days), last + datetime.timedelta(days=pad.days)


def charts_for(
    definition,
    shown,
    period_start,
    period_end,
    zone,
    margins,
    markers,
    quadrant_labels=None,
    *,
    earlier=(),
    episode_start=None,
) -> list[dict]:
    """Trajectory charts (subscales sharing a range share a chart) and, for attachment
    instruments, the anxiety x avoidance plane with ``margins`` (reliable-change margins by
    subscale key, ``scoring.reliable_change_margins``) around the baseline. Both from
    ``assessments.charts``. ``quadrant_labels`` (quadrant key to text) replaces the style names
    on the plane, and then its points carry no style name either (the client's version).
    ``earlier`` are administrations of earlier episodes of care, drawn grey before
    ``episode_start`` (the current episode's first day); ``shown`` are the current episode's."""
    charts = []
    subscales = scored_subscales(definition)
    groups: dict[tuple, list[dict]] = {}
    ranges = {}
    for subscale in subscales:
        low, high = scoring.subscale_range(definition, subscale)
        ranges[subscale["key"]] = (float(low), float(high))
        groups.setdefault(ranges[subscale["key"]], []).append(subscale)
    days = [local_date(a.at, zone) for a in [*earlier, *shown]]
    start, end = time_axis(days, period_start, period_end)
    baseline_day = local_date(shown[0].at, zone) if shown else None
    short = definition.get("short_name") or definition["name"]
    for (low, high), members in groups.items():
        scale = YScale(
            low,
            high,
            ngettext(
                "%(instrument)s score (%(low)s-%(high)s)",
                "%(instrument)s scores (%(low)s-%(high)s)",
                len(members),
            )
            % {"instrument": short, "low": format_score(low), "high": format_score(high)},
            better=members[0]["better"] if len({m["better"] for m in members}) == 1 else None,
        )
        bands = []
        if len(members) == 1 and members[0].get("bands"):
            bands = contiguous_bands(
                [(b["min"], b["max"], b["label"]) for b in members[0]["bands"]], scale
            )
        series, before = [
            [
                Series(subscale["label"], _points(admins, subscale["key"], zone), style=index)
                for index, subscale in enumerate(members)
            ]
            for admins in (shown, earlier)
        ]
        chart = TrajectoryChart(
            title=f"{short}: {', '.join(m['label'] for m in members)}",
            y=scale,
            start=start,
            end=end,
            series=series,
            bands=bands,
            baseline=baseline_day,
            notes=[m for m in markers if start <= m.date <= end],
            earlier=before if episode_start else (),
            episode_start=episode_start,
            width=720,
            height=320,
        )
        charts.append({"uri": svg_uri(trajectory_svg(chart)), "kind": "trajectory"})
    plane = _plane(definition, shown, zone, ranges, margins, short, quadrant_labels, earlier)
    if plane is not None:
        charts.append({"uri": svg_uri(plane_svg(plane)), "kind": "plane"})
    return charts


def _points(administrations, key: str, zone) -> list[Point]:
    return [
        Point(local_date(a.at, zone), a.result["subscales"][key]["score"])
        for a in administrations
        if (a.result["subscales"].get(key) or {}).get("score") is not None
    ]


def _plane(
    definition, shown, zone, ranges, margins, short, labels=None, earlier=()
) -> PlaneChart | None:
    classification = definition.get("classification")
    if not classification or classification.get("method") != "quadrant":
        return None
    keys = classification["dimensions"]
    split = scoring.classification_split(definition).get("split")
    for admin in reversed(shown):  # the split the latest classification used
        dimensions = (admin.result.get("style") or {}).get("dimensions") or {}
        if all((dimensions.get(n) or {}).get("split") is not None for n in keys):
            split = {n: dimensions[n]["split"] for n in keys}
            break
    if not split:
        return None
    path, before = [], []
    for admin in [*shown, *earlier]:
        scores = admin.result["subscales"]
        x = (scores.get(keys["avoidance"]) or {}).get("score")
        y = (scores.get(keys["anxiety"]) or {}).get("score")
        if x is not None and y is not None:
            label = None if labels else (admin.result.get("style") or {}).get("label")
            point = PlanePoint(local_date(admin.at, zone), x, y, label)
            (path if admin in shown else before).append(point)
    rc_x, rc_y = margins.get(keys["avoidance"]), margins.get(keys["anxiety"])
    has_margins = rc_x is not None and rc_y is not None
    x_range, y_range = ranges[keys["avoidance"]], ranges[keys["anxiety"]]
    names = labels or {key: style_name(key) for key in scoring.STYLES}
    return PlaneChart(
        title=gettext("%(instrument)s: anxiety and avoidance") % {"instrument": short},
        x_axis=PlaneAxis(gettext("Avoidance"), x_range[0], x_range[1], split["avoidance"]),
        y_axis=PlaneAxis(gettext("Anxiety"), y_range[0], y_range[1], split["anxiety"]),
        quadrants=[
            Quadrant("low", "low", names["secure"], secure=True),
            Quadrant("low", "high", names["anxious-preoccupied"]),
            Quadrant("high", "low", names["dismissive-avoidant"]),
            Quadrant("high", "high", names["fearful-avoidant"]),
        ],
        path=path,
        earlier=before,
        rc_x=rc_x if has_margins else None,
        rc_y=rc_y if has_margins else None,
        width=520,
        height=520,
    )
