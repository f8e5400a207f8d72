"""The SVG chart renderer: structure, accessibility, geometry, escaping, and a WeasyPrint render.

Pure functions, no database: the SVG is parsed with ElementTree and its structure asserted.
"""

import base64
import dataclasses
import io
import logging
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from assessments.charts import (
    Band,
    NoteMarker,
    PlaneAxis,
    PlaneChart,
    PlanePoint,
    Point,
    Quadrant,
    Series,
    TrajectoryChart,
    YScale,
    contiguous_bands,
    format_date,
    format_score,
    plane_svg,
    trajectory_svg,
)
from assessments.charts._svg import PALETTE

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert('x')</script> & \"quoted\""

PHQ9_BANDS = contiguous_bands(
    [
        (0, 4, "Minimal"),
        (5, 9, "Mild"),
        (10, 14, "Moderate"),
        (15, 19, "Moderately severe"),
        (20, 27, "Severe"),
    ]
)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def with_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if cls in el.get("class", "").split()]


def title_of(el: ET.Element) -> str:
    title = el.find(f"{NS}title")
    assert title is not None
    return title.text or ""


def centre(el: ET.Element) -> tuple[float, float]:
    """The exact centre of a focusable point: its (hidden) focus ring is drawn around it."""
    ring = with_class(el, "att-ring")[0].find(f"{NS}circle")
    return float(ring.get("cx")), float(ring.get("cy"))


def box(el: ET.Element) -> tuple[float, float, float, float]:
    x, y = float(el.get("x")), float(el.get("y"))
    return x, y, x + float(el.get("width")), y + float(el.get("height"))


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(f"{NS}text") if el.text]


def trajectory(**overrides) -> TrajectoryChart:
    fields = {
        "title": "PHQ-9",
        "y": YScale(0, 27, "PHQ-9 total score", better="lower"),
        "start": date(2025, 1, 1),
        "end": date(2025, 6, 30),
        "series": [
            Series(
                "Depression",
                [
                    Point(date(2025, 1, 6), 19, "baseline"),
                    Point(date(2025, 3, 3), 14),
                    Point(date(2025, 6, 2), 7),
                ],
                style=0,
            ),
            Series("Anxiety", [Point(date(2025, 1, 6), 12), Point(date(2025, 6, 2), 6)], style=1),
        ],
        "bands": PHQ9_BANDS,
        "baseline": date(2025, 1, 6),
    }
    return TrajectoryChart(**{**fields, **overrides})


def ecr_plane(**overrides) -> PlaneChart:
    fields = {
        "title": "Attachment (ECR-R)",
        "x_axis": PlaneAxis("Avoidance", 1, 7, 4),
        "y_axis": PlaneAxis("Anxiety", 1, 7, 4),
        "quadrants": [
            Quadrant("low", "low", "Secure", secure=True),
            Quadrant("low", "high", "Anxious-preoccupied"),
            Quadrant("high", "low", "Dismissive-avoidant"),
            Quadrant("high", "high", "Fearful-avoidant"),
        ],
        # Deliberately out of date order: the chart sorts by date.
        "path": [
            PlanePoint(date(2025, 6, 2), 2.5, 3.2, "Secure"),
            PlanePoint(date(2025, 1, 6), 3.4, 5.5, "Anxious-preoccupied"),
            PlanePoint(date(2025, 3, 3), 3.0, 4.6),
        ],
        "rc_x": 0.8,
        "rc_y": 0.9,
    }
    return PlaneChart(**{**fields, **overrides})


# --- Both charts: a valid, safe, accessible, deterministic document ---------------------------


@pytest.mark.parametrize("svg", [trajectory_svg(trajectory()), plane_svg(ecr_plane())])
def test_output_is_a_standalone_accessible_svg(svg):
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    # A named group, not role="img": img would make the focusable points presentational.
    assert root.get("role") == "group"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{NS}title").get("id") == title_id
    assert root.find(f"{NS}desc").get("id") == desc_id
    assert root.find(f"{NS}desc").text
    tags = {el.tag.removeprefix(NS) for el in root.iter()}
    assert not tags & {"script", "foreignObject", "image", "a", "use"}
    for el in root.iter():
        assert not any("href" in name for name in el.attrib)
        assert not any(name.startswith("on") for name in el.attrib)
    style = root.find(f"{NS}style").text
    assert "@import" not in style and "url(" not in style
    # Every class the renderer writes is namespaced.
    classes = {c for el in root.iter() for c in el.get("class", "").split()}
    assert classes and all(c.startswith("att-") for c in classes)


@pytest.mark.parametrize("render, make", [(trajectory_svg, trajectory), (plane_svg, ecr_plane)])
def test_same_input_gives_identical_bytes(render, make):
    assert render(make()) == render(make())
    assert render(make()) != render(make(title="Another title"))


def test_ids_differ_between_charts_and_can_be_chosen():
    """Two charts inline on one page must not share ids (aria-labelledby, patterns, tooltips)."""
    first = parse(trajectory_svg(trajectory()))
    second = parse(trajectory_svg(trajectory(title="GAD-7")))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")
    chosen = parse(trajectory_svg(trajectory(id_prefix="phq9-chart")))
    assert chosen.get("aria-labelledby") == "phq9-chart-title phq9-chart-desc"
    with pytest.raises(ValueError, match="id_prefix"):
        trajectory(id_prefix="1 bad id")


def test_labels_are_escaped_everywhere():
    chart = trajectory(
        title=EVIL,
        y=YScale(0, 27, EVIL),
        series=[Series(EVIL, [Point(date(2025, 2, 1), 10, EVIL)])],
        bands=[Band(0, 27, EVIL)],
        notes=[NoteMarker(date(2025, 2, 1), EVIL)],
        description=EVIL,
        empty_message=EVIL,
    )
    svg = trajectory_svg(chart)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert not list(root.iter(f"{NS}script"))
    assert root.find(f"{NS}title").text == EVIL
    (point,) = with_class(root, "att-point")
    assert title_of(point) == f"{EVIL}, 1 Feb 2025: 10 ({EVIL})"
    assert point.get("aria-label") == title_of(point)

    plane = plane_svg(
        ecr_plane(
            title=EVIL,
            quadrants=[Quadrant("low", "low", EVIL, secure=True)],
            x_axis=PlaneAxis(EVIL, 1, 7, 4),
        )
    )
    assert "<script>" not in plane
    assert not list(parse(plane).iter(f"{NS}script"))
    assert EVIL in texts(parse(plane))


def test_characters_xml_cannot_carry_are_dropped():
    svg = trajectory_svg(trajectory(title="Bad\x00 \x08title\x1f"))
    assert parse(svg).find(f"{NS}title").text == "Bad title"


# --- Trajectory chart -------------------------------------------------------------------------


def test_every_visible_point_is_a_focusable_shape_with_date_and_score():
    root = parse(trajectory_svg(trajectory()))
    points = with_class(root, "att-point")
    assert [title_of(p) for p in points] == [
        "Depression, 6 Jan 2025: 19 (baseline)",
        "Depression, 3 Mar 2025: 14",
        "Depression, 2 Jun 2025: 7",
        "Anxiety, 6 Jan 2025: 12",
        "Anxiety, 2 Jun 2025: 6",
    ]
    for point in points:
        assert point.get("tabindex") == "0"
        assert point.get("role") == "img"
        assert point.get("aria-label") == title_of(point)
        assert with_class(point, "att-mark")
    # Each point has a tooltip that shows its text on hover and focus, hidden otherwise.
    tips = with_class(root, "att-tip")
    assert [t.find(f"{NS}text").text for t in tips] == [title_of(p) for p in points]
    assert all(t.get("visibility") == "hidden" for t in tips)
    style = root.find(f"{NS}style").text
    assert f"#{points[0].get('id')}:focus ~ #{tips[0].get('id')}" in style


def test_series_differ_by_shape_and_dash_not_only_colour():
    root = parse(trajectory_svg(trajectory()))
    lines = with_class(root, "att-line")
    assert len(lines) == 2
    assert lines[0].get("stroke") != lines[1].get("stroke")
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")
    depression, anxiety = with_class(root, "att-s0")[0], with_class(root, "att-s1")[0]
    shape = [with_class(p, "att-mark")[0].tag for p in (depression, anxiety)]
    assert shape == [f"{NS}circle", f"{NS}polygon"]


def test_scores_map_to_the_plot_and_dates_run_left_to_right():
    chart = trajectory(
        series=[
            Series(
                "Total",
                [
                    Point(date(2025, 1, 1), 27),  # scale max, on the start date
                    Point(date(2025, 3, 1), 13.5),
                    Point(date(2025, 6, 30), 0),  # scale min, on the end date
                ],
            )
        ]
    )
    root = parse(trajectory_svg(chart))
    left, top, right, bottom = box(with_class(root, "att-plot")[0])
    (x0, y0), (x1, y1), (x2, y2) = [centre(p) for p in with_class(root, "att-point")]
    assert y0 == pytest.approx(top)
    assert y2 == pytest.approx(bottom)
    assert y1 == pytest.approx((top + bottom) / 2, abs=0.01)
    assert left < x0 < x1 < x2 < right


def test_scores_beyond_the_scale_are_drawn_at_its_edge_but_told_truly():
    chart = trajectory(series=[Series("Total", [Point(date(2025, 2, 1), 30)])])
    root = parse(trajectory_svg(chart))
    (point,) = with_class(root, "att-point")
    assert centre(point)[1] == pytest.approx(box(with_class(root, "att-plot")[0])[1])
    assert title_of(point).endswith(": 30")


def test_points_and_notes_outside_the_range_are_left_out():
    chart = trajectory(
        start=date(2025, 2, 1),
        end=date(2025, 4, 30),
        baseline=date(2025, 1, 6),
        notes=[NoteMarker(date(2025, 1, 20), "Session"), NoteMarker(date(2025, 3, 10), "Session")],
    )
    root = parse(trajectory_svg(chart))
    assert [title_of(p) for p in with_class(root, "att-point")] == ["Depression, 3 Mar 2025: 14"]
    assert [title_of(n) for n in with_class(root, "att-note")] == ["10 Mar 2025: Session"]
    assert not with_class(root, "att-baseline")
    assert not with_class(root, "att-line")  # one point left: nothing to connect


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_bands_are_coloured_by_severity_darkening_and_labelled():
    """Colour plus text (issue 15): pale green to pale red, each band labelled; lightness falls
    with severity so the bands still read in greyscale (and print), and the series' lines keep
    3:1 against every band (WCAG 1.4.11)."""
    root = parse(trajectory_svg(trajectory()))
    bands = with_class(root, "att-band")
    assert len(bands) == 5
    by_level = dict(sorted((int(b.get("data-level")), b.get("fill")) for b in bands))
    fills = list(by_level.values())
    assert len(set(fills)) == 5
    assert not any(f[1:3] == f[3:5] == f[5:7] for f in fills), "not greys"
    red, green = (int(fills[-1][i : i + 2], 16) for i in (1, 3))
    assert red > green  # the most severe band is the reddest
    assert int(fills[0][3:5], 16) > int(fills[0][1:3], 16)  # the least severe, green
    luminances = [_luminance(f) for f in fills]
    assert luminances == sorted(luminances, reverse=True) and len(set(luminances)) == 5
    for colour in PALETTE[:2]:  # the first series' lines and points
        assert all(_contrast(colour, f) >= 3 for f in fills), colour
    labels = [el.text for el in with_class(root, "att-band-label")]
    assert sorted(labels) == sorted(["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"])
    # The severe band sits at the top of the plot.
    severe = bands[[int(b.get("data-level")) for b in bands].index(4)]
    assert float(severe.get("y")) == pytest.approx(box(with_class(root, "att-plot")[0])[1])


def test_contiguous_bands_meet_halfway_between_integer_ranges():
    assert [(b.low, b.high, b.level) for b in PHQ9_BANDS] == [
        (0, 4.5, 0),
        (4.5, 9.5, 1),
        (9.5, 14.5, 2),
        (14.5, 19.5, 3),
        (19.5, 27, 4),
    ]
    clamped = contiguous_bands([(0, 10, "Low"), (11, 40, "High")], YScale(0, 30, "x"))
    assert clamped[-1].high == 30


def test_baseline_is_a_labelled_rule_at_its_date():
    root = parse(trajectory_svg(trajectory()))
    (rule,) = with_class(root, "att-baseline")
    assert "Baseline" in texts(rule)
    line = rule.find(f"{NS}line")
    first_point_x = centre(with_class(root, "att-point")[0])[0]  # also 6 Jan
    assert float(line.get("x1")) == pytest.approx(first_point_x)
    assert "Baseline" in texts(with_class(root, "att-legend")[0])


def test_session_notes_are_focusable_markers_with_short_labels():
    long_label = "Session · " + "tag " * 40
    chart = trajectory(
        notes=[
            NoteMarker(date(2025, 2, 3), "Session · CBT"),
            NoteMarker(date(2025, 2, 3), "Phone call"),
            NoteMarker(date(2025, 4, 7), long_label),
        ]
    )
    root = parse(trajectory_svg(chart))
    notes = with_class(root, "att-note")
    assert len(notes) == 2  # same-day notes share one marker
    assert title_of(notes[0]) == "3 Feb 2025: Session · CBT; Phone call"
    assert title_of(notes[1]).endswith("…") and len(title_of(notes[1])) < 80
    for note in notes:
        assert note.get("tabindex") == "0" and note.get("aria-label") == title_of(note)
    # Below the plot, on the time axis.
    plot_bottom = box(with_class(root, "att-plot")[0])[3]
    assert all(centre(n)[1] > plot_bottom for n in notes)
    assert centre(notes[0])[0] < centre(notes[1])[0]
    assert "Session note" in texts(with_class(root, "att-legend")[0])


def test_no_points_renders_an_empty_state():
    for chart in (
        trajectory(series=[]),
        trajectory(series=[Series("Total", [])]),
        trajectory(start=date(2030, 1, 1), end=date(2030, 2, 1)),
    ):
        root = parse(trajectory_svg(chart))
        assert not with_class(root, "att-point")
        assert with_class(root, "att-empty")
        assert "No scores in this period." in texts(root)
        assert "No scores in this period." in root.find(f"{NS}desc").text


def test_one_point_and_a_single_day_range():
    chart = trajectory(
        start=date(2025, 3, 3),
        end=date(2025, 3, 3),
        baseline=date(2025, 3, 3),
        series=[Series("Total", [Point(date(2025, 3, 3), 11), Point(date(2025, 3, 3), 12)])],
    )
    root = parse(trajectory_svg(chart))
    left, _, right, _ = box(with_class(root, "att-plot")[0])
    xs = [centre(p)[0] for p in with_class(root, "att-point")]
    assert xs == [pytest.approx((left + right) / 2)] * 2
    assert "3 Mar" in texts(with_class(root, "att-x-axis")[0])


def test_date_ticks_use_days_for_short_ranges_and_months_for_long_ones():
    short = parse(trajectory_svg(trajectory(start=date(2025, 3, 1), end=date(2025, 3, 10))))
    assert {"1 Mar", "3 Mar", "9 Mar", "2025"} <= set(texts(with_class(short, "att-x-axis")[0]))
    year = parse(trajectory_svg(trajectory(start=date(2024, 9, 1), end=date(2025, 8, 31))))
    # Every other month; the year under the first tick and where it changes.
    assert texts(with_class(year, "att-x-axis")[0]) == [
        "Sep", "2024", "Nov", "Jan", "2025", "Mar", "May", "Jul",
    ]  # fmt: skip
    decade = parse(trajectory_svg(trajectory(start=date(2015, 1, 1), end=date(2025, 1, 1))))
    assert {"2016", "2020", "2024"} <= set(texts(with_class(decade, "att-x-axis")[0]))


def test_score_ticks_and_direction_note():
    root = parse(trajectory_svg(trajectory()))
    assert texts(with_class(root, "att-y-axis")[0]) == ["0", "5", "10", "15", "20", "25"]
    assert "PHQ-9 total score · higher is worse" in texts(root)


def test_the_description_summarises_the_data():
    desc = parse(trajectory_svg(trajectory())).find(f"{NS}desc").text
    assert "Depression: 3 scores, first 19 on 6 Jan 2025, latest 7 on 2 Jun 2025." in desc
    assert "Minimal, Mild, Moderate, Moderately severe, Severe" in desc


def test_invalid_trajectory_input_is_refused_clearly():
    with pytest.raises(ValueError, match="below max"):
        YScale(10, 10, "x")
    with pytest.raises(ValueError, match="before start"):
        trajectory(start=date(2025, 2, 1), end=date(2025, 1, 1))
    with pytest.raises(ValueError, match="finite"):
        Point(date(2025, 1, 1), float("nan"))
    with pytest.raises(ValueError, match="low"):
        Band(5, 1, "Upside down")


def test_formatters_match_the_chart_text():
    assert format_date(date(2025, 1, 6)) == "6 Jan 2025"
    assert [format_score(v) for v in (14, 14.0, 3.4, 2.666666, -0.001)] == [
        "14",
        "14",
        "3.4",
        "2.67",
        "0",
    ]


# --- Anxiety x avoidance plane ----------------------------------------------------------------


def plot_box(root):
    return box(with_class(root, "att-plot")[0])


def test_quadrants_are_labelled_and_the_secure_one_highlighted():
    root = parse(plane_svg(ecr_plane()))
    labels = with_class(root, "att-quadrant-label")
    assert sorted(el.text for el in labels) == [
        "Anxious-preoccupied",
        "Dismissive-avoidant",
        "Fearful-avoidant",
        "Secure",
    ]
    (secure_label,) = with_class(root, "att-secure-label")
    assert secure_label.text == "Secure"
    # Low avoidance (left) and low anxiety (bottom), hatched: highlighted by pattern, not hue.
    (secure,) = with_class(root, "att-secure")
    left, top, right, bottom = plot_box(root)
    x0, y0, x1, y1 = box(secure)
    assert (x0, y1) == pytest.approx((left, bottom))
    assert (x1, y0) == pytest.approx(((left + right) / 2, (top + bottom) / 2))
    assert root.find(f"{NS}defs/{NS}pattern") is not None
    assert any(r.get("fill", "").startswith("url(#") for r in root.iter(f"{NS}rect"))
    assert "Highlighted: Secure" in texts(with_class(root, "att-legend")[0])


def test_which_side_is_low_comes_from_the_axis():
    chart = ecr_plane(x_axis=PlaneAxis("Avoidance", 1, 7, 4, low_side="above"))
    root = parse(plane_svg(chart))
    left, _, right, bottom = plot_box(root)
    x0, _, x1, y1 = box(with_class(root, "att-secure")[0])
    assert (x0, x1, y1) == pytest.approx(((left + right) / 2, right, bottom))


def test_path_runs_in_date_order_from_baseline_to_latest():
    root = parse(plane_svg(ecr_plane()))
    points = with_class(root, "att-point")
    assert [title_of(p) for p in points] == [
        "1. Baseline, 6 Jan 2025: Avoidance 3.4, Anxiety 5.5 (Anxious-preoccupied)",
        "2. 3 Mar 2025: Avoidance 3, Anxiety 4.6",
        "3. Latest, 2 Jun 2025: Avoidance 2.5, Anxiety 3.2 (Secure)",
    ]
    assert [p.get("class").split()[-1] for p in points] == [
        "att-baseline",
        "att-step",
        "att-latest",
    ]
    assert [t.text for p in points for t in p.iter(f"{NS}text")] == ["1", "2", "3"]
    (line,) = with_class(root, "att-path")[0].iter(f"{NS}polyline")
    drawn = [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
    assert drawn == [pytest.approx(centre(p), abs=0.01) for p in points]
    assert {"Baseline, 6 Jan 2025", "Latest, 2 Jun 2025"} <= set(texts(root))


def test_high_values_go_up_and_right():
    root = parse(plane_svg(ecr_plane()))
    baseline, _, latest = [centre(p) for p in with_class(root, "att-point")]
    assert latest[0] < baseline[0]  # less avoidance: further left
    assert latest[1] > baseline[1]  # less anxiety: further down
    corner = parse(plane_svg(ecr_plane(path=[PlanePoint(date(2025, 1, 1), 7, 7)])))
    _, top, right, _ = plot_box(corner)
    assert centre(with_class(corner, "att-point")[0]) == pytest.approx((right, top))
    axis_labels = [el.text for el in with_class(root, "att-axis-label")]
    assert any("Avoidance" in t and "right" in t for t in axis_labels)
    assert any("Anxiety" in t and "up" in t for t in axis_labels)


def test_reliable_change_margin_only_when_given():
    root = parse(plane_svg(ecr_plane()))
    (margin,) = with_class(root, "att-rc-margin")
    left, _, right, _ = plot_box(root)
    per_unit = (right - left) / 6
    assert float(margin.get("rx")) == pytest.approx(0.8 * per_unit)
    assert float(margin.get("ry")) == pytest.approx(0.9 * per_unit)
    assert (float(margin.get("cx")), float(margin.get("cy"))) == pytest.approx(
        centre(with_class(root, "att-point")[0])
    )
    assert "Reliable change margin" in texts(with_class(root, "att-legend")[0])

    without = parse(plane_svg(ecr_plane(rc_x=None, rc_y=None)))
    assert not with_class(without, "att-rc-margin")
    assert "Reliable change margin" not in texts(without)


def test_plane_empty_and_single_point():
    empty = parse(plane_svg(ecr_plane(path=[])))
    assert not with_class(empty, "att-point")
    assert not with_class(empty, "att-rc-margin")  # no baseline to centre it on
    assert "No scores in this period." in texts(empty)
    assert with_class(empty, "att-secure")

    single = parse(plane_svg(ecr_plane(path=[PlanePoint(date(2025, 1, 6), 3.4, 5.5)])))
    (point,) = with_class(single, "att-point")
    assert title_of(point).startswith("1. Baseline and latest, 6 Jan 2025")
    assert not with_class(single, "att-path")


def test_invalid_plane_input_is_refused_clearly():
    with pytest.raises(ValueError, match="both rc_x and rc_y"):
        ecr_plane(rc_y=None)
    with pytest.raises(ValueError, match="same sides"):
        ecr_plane(quadrants=[Quadrant("low", "low", "A"), Quadrant("low", "low", "B")])
    with pytest.raises(ValueError, match="min < split < max"):
        PlaneAxis("Anxiety", 1, 7, 9)
    with pytest.raises(ValueError, match="positive"):
        ecr_plane(rc_x=0, rc_y=1)


# --- WeasyPrint -------------------------------------------------------------------------------


def test_weasyprint_renders_both_charts_inline_and_as_images(caplog):
    weasyprint = pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    charts = [
        trajectory_svg(trajectory(notes=[NoteMarker(date(2025, 2, 3), "Session")])),
        plane_svg(ecr_plane()),
    ]
    images = "".join(
        f'<img alt="" style="width:15cm" src="data:image/svg+xml;base64,'
        f'{base64.b64encode(svg.encode()).decode()}">'
        for svg in charts
    )
    html = f"<html><body>{''.join(charts)}{images}</body></html>"
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    # Whether fonts are subset with HarfBuzz or fontTools depends on the machine's libraries
    # (the Dockerfile installs libharfbuzz-subset0), not on the charts.
    problems = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and "HarfBuzz-Subset" not in r.getMessage()
    ]
    assert not problems, [r.getMessage() for r in problems]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # Chart text is real text in the PDF; the hidden tooltips are not drawn.
    for expected in ("Moderately severe", "Baseline", "Fearful-avoidant", "Reliable change margin"):
        assert expected in text
    assert "Depression, 3 Mar 2025: 14" not in text


def test_dataclasses_are_frozen():
    chart = trajectory()
    with pytest.raises(dataclasses.FrozenInstanceError):
        chart.title = "changed"


def test_the_renderer_needs_no_django():
    """STYLE.md: chart rendering is pure logic, importable without Django settings."""
    import subprocess
    import sys

    code = (
        "import sys, assessments.charts; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    from pathlib import Path

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0
