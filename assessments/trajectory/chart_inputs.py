"""Chart inputs for one instrument's trajectory (``assessments.charts``): one time chart per
group of subscales that share a range, and the anxiety x avoidance plane for attachment
instruments. No HTML here."""

import datetime

from django.utils.translation import gettext, ngettext

from assessments import charts, scoring

from .history import InstrumentTrajectory, style_name


def trajectory_charts(
    trajectory: InstrumentTrajectory,
    start: datetime.date,
    end: datetime.date,
    markers=(),
    *,
    episode_start: datetime.date | None = None,
) -> list:
    """One chart per group of subscales that share a range (ECR-R's two dimensions share one;
    a total with severity bands has its own), each with the bands of a lone subscale, the
    baseline marked and session notes on the time axis. Scores of earlier episodes of care are
    drawn grey before ``episode_start``, the current episode's first day (``None``: one
    episode)."""
    groups: dict[tuple, list[dict]] = {}
    for subscale in trajectory.subscales:
        groups.setdefault(subscale["range"], []).append(subscale)
    shown = list(trajectory.administrations)
    notes = [charts.NoteMarker(date=m.date, label=m.label) for m in markers]
    baseline_day = trajectory.baseline.date if trajectory.baseline else None
    out = []
    for number, ((low, high), members) in enumerate(groups.items()):
        better = {m["better"] for m in members}
        scale = charts.YScale(
            low,
            high,
            ngettext(
                "%(instrument)s score (%(low)s-%(high)s)",
                "%(instrument)s scores (%(low)s-%(high)s)",
                len(members),
            )
            % {
                "instrument": trajectory.short_name,
                "low": charts.format_score(low),
                "high": charts.format_score(high),
            },
            better=better.pop() if len(better) == 1 else None,
        )
        bands = []
        if len(members) == 1 and members[0]["bands"]:
            bands = charts.contiguous_bands(
                [(b["min"], b["max"], b["label"]) for b in members[0]["bands"]], scale
            )
        series, earlier = [], []
        for style, subscale in enumerate(members):
            points, before = [], []
            for admin in shown:
                score = next(s.score for s in admin.scores if s.key == subscale["key"])
                if score is None:
                    continue
                label = gettext("baseline") if admin.is_baseline else None
                point = charts.Point(admin.date, score, label, episode=admin.episode)
                (before if admin.earlier_episode else points).append(point)
            series.append(charts.Series(subscale["label"], points, style=style))
            earlier.append(charts.Series(subscale["label"], before, style=style))
        out.append(
            charts.TrajectoryChart(
                title=f"{trajectory.short_name}: {', '.join(m['label'] for m in members)}",
                y=scale,
                start=start,
                end=end,
                series=series,
                bands=bands,
                baseline=baseline_day,
                notes=notes,
                earlier=earlier,
                episode_start=episode_start,
                empty_message=gettext("No scores yet in the current episode of care.")
                if episode_start and any(s.points for s in earlier)
                else gettext("No scores in this period."),
                id_prefix=f"t-{trajectory.code}-{number}",
            )
        )
    return out


def _split(trajectory: InstrumentTrajectory) -> dict | None:
    """The split points the latest classification used, else the instrument's default rule."""
    for admin in reversed(trajectory.administrations):
        dimensions = ((admin._row or {}).get("result__style") or {}).get("dimensions") or {}
        if all(
            (dimensions.get(n) or {}).get("split") is not None for n in ("anxiety", "avoidance")
        ):
            return {n: dimensions[n]["split"] for n in ("anxiety", "avoidance")}
    return scoring.classification_split(trajectory.definition).get("split")


def plane_keys(trajectory: InstrumentTrajectory) -> dict[str, str] | None:
    """Subscale keys of the anxiety and avoidance dimensions, for attachment instruments."""
    if not trajectory.attachment:
        return None
    return dict(trajectory.definition["classification"]["dimensions"])


def plane_chart(trajectory: InstrumentTrajectory):
    """The anxiety x avoidance plane with the four quadrants, the path from baseline to latest,
    and the reliable-change margin around the baseline when both dimensions have one."""
    keys = plane_keys(trajectory)
    split = _split(trajectory) if keys else None
    if not keys or not split:
        return None
    ranges = {s["key"]: s["range"] for s in trajectory.subscales}
    if keys["anxiety"] not in ranges or keys["avoidance"] not in ranges:
        return None
    shown = [admin for admin in trajectory.administrations if not admin.earlier_episode]
    if trajectory.baseline is not None and trajectory.baseline not in shown:
        shown.insert(0, trajectory.baseline)  # the path always starts at the baseline
    path, earlier = [], []
    for admin in [*shown, *(a for a in trajectory.administrations if a.earlier_episode)]:
        scores = {s.key: s.score for s in admin.scores}
        x, y = scores.get(keys["avoidance"]), scores.get(keys["anxiety"])
        if x is not None and y is not None:
            point = charts.PlanePoint(admin.date, x, y, admin.style_label or None, admin.episode)
            (earlier if admin.earlier_episode else path).append(point)
    rc_x, rc_y = trajectory.margins.get(keys["avoidance"]), trajectory.margins.get(keys["anxiety"])
    if rc_x is None or rc_y is None:
        rc_x = rc_y = None
    x_range, y_range = ranges[keys["avoidance"]], ranges[keys["anxiety"]]
    return charts.PlaneChart(
        title=gettext("%(instrument)s: anxiety and avoidance")
        % {"instrument": trajectory.short_name},
        x_axis=charts.PlaneAxis(gettext("Avoidance"), x_range[0], x_range[1], split["avoidance"]),
        y_axis=charts.PlaneAxis(gettext("Anxiety"), y_range[0], y_range[1], split["anxiety"]),
        quadrants=[
            charts.Quadrant("low", "low", style_name("secure"), secure=True),
            charts.Quadrant("low", "high", style_name("anxious-preoccupied")),
            charts.Quadrant("high", "low", style_name("dismissive-avoidant")),
            charts.Quadrant("high", "high", style_name("fearful-avoidant")),
        ],
        path=path,
        earlier=earlier,
        rc_x=rc_x,
        rc_y=rc_y,
        id_prefix=f"p-{trajectory.code}",
        empty_message=gettext("No scores in this period."),
    )
