"""A report's charts, read from their SVG: the plane draws the reliable-change margin the web
page draws."""

import base64
import datetime
import zoneinfo

import pytest
from django.utils import timezone

from clients.reports import sections
from tests.clients.reports_helpers import ecr_history
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
