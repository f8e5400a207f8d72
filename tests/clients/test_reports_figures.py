"""A report's charts, read from their SVG: the plane draws the reliable-change margin the web
page draws, and the time axis follows the data (a single administration sits mid-axis, not at
the right edge of a year)."""

import base64
import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone

from clients.reports import sections
from tests.clients.reports_helpers import ecr_history, phq9_history
from tests.clients.test_reports_content import numbers  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo("Europe/London")


def chart_svgs(practice, history) -> dict[str, str]:
    """The section's charts over the last year, by kind, as SVG text."""
    today = timezone.localdate()
    section = sections.build_section(
        practice, history, today - datetime.timedelta(days=365), today, ZONE, clinical=True
    )
    return {
        chart["kind"]: base64.b64decode(chart["uri"].split(",", 1)[1]).decode()
        for chart in section.charts
    }


def point_positions(svg: str) -> list[float]:
    """Each data point's x as a fraction of the plot's width (0 left edge, 1 right edge)."""
    plot = re.search(r'<rect class="att-plot" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    left, width = float(plot.group(1)), float(plot.group(2))
    points = re.findall(r'class="att-focus att-point[^"]*">\s*<circle[^>]* cx="([\d.]+)"', svg)
    return [(float(x) - left) / width for x in points]


@pytest.mark.usefixtures("numbers")
def test_the_plane_draws_the_reliable_change_margin_from_one_administration(practice_a):
    """Like the web page, the margin around the baseline comes from the practice's numbers,
    not from a comparison with a later administration."""
    svg = chart_svgs(practice_a, ecr_history(practice_a, [(6, 6)]))["plane"]
    assert 'class="att-rc-margin"' in svg
    assert "Reliable change margin" in svg


def test_the_plane_has_no_margin_without_numbers(practice_a):
    svg = chart_svgs(practice_a, ecr_history(practice_a, [(6, 6), (3, 3)]))["plane"]
    assert 'class="att-rc-margin"' not in svg


def test_a_single_administration_sits_in_the_middle_of_its_axis(practice_a):
    recent = timezone.now() - datetime.timedelta(days=2)
    svg = chart_svgs(practice_a, phq9_history(practice_a, [12], start=recent))["trajectory"]
    (x,) = point_positions(svg)
    assert 0.35 < x < 0.65, f"the lone point sits at {x:.0%} of the axis"


def test_the_axis_spans_the_administrations_not_the_whole_period(practice_a):
    """Three monthly administrations ending two days ago fill the axis, not its last quarter."""
    start = timezone.now() - datetime.timedelta(days=62)
    svg = chart_svgs(practice_a, phq9_history(practice_a, [15, 12, 9], start=start))["trajectory"]
    first, *_, last = point_positions(svg)
    assert first < 0.1 and last > 0.9, (first, last)
