"""A long ECR-R history on the smallest phone (issue 15): with 40 weekly administrations the
trajectory charts and the anxiety x avoidance plane on the client's progress page fit a 320 px
screen; only the data table under them scrolls, inside its own box, which the keyboard can
reach and scroll. The client's page, which sums that history up, fits too."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.test_reflow import CULPRITS, signed_in
from tests.practice.progress_helpers import cite_ecr, ecr, respond

WIDTH = 320
# Every chart's right edge, and whether it is inside a box that scrolls on its own.
CHARTS = """() => [...document.querySelectorAll('figure.chart svg')].map(svg => ({
  right: svg.getBoundingClientRect().right,
  width: svg.getBoundingClientRect().width,
  scrollBox: !!svg.closest('.table-wrap'),
}))"""


@pytest.mark.django_db(transaction=True)
def test_forty_ecr_r_administrations_fit_a_320px_phone(chromium, live_server, bob, erin):
    cite_ecr(erin.practice)
    today = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    for week in range(40):
        anxiety, avoidance = 2 + week % 5, 6 - week % 4
        respond(erin, "ecr-r", ecr(anxiety, avoidance), today - datetime.timedelta(weeks=week))
    context, page = signed_in(chromium, live_server, bob)
    page.set_viewport_size({"width": WIDTH, "height": 640})
    try:
        page.goto(reverse("clients:detail", args=[erin.pk]))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"the client's page is {width}px wide"

        page.goto(reverse("clients:progress", args=[erin.pk]))
        charts = page.evaluate(CHARTS)
        assert len(charts) >= 2, "the trajectory and the plane"
        for chart in charts:
            assert chart["scrollBox"] or chart["right"] <= WIDTH + 0.5, chart
            assert chart["width"] >= WIDTH / 2, f"a chart shrank to {chart['width']}px"
        rows = page.locator(".trajectory-table tbody tr").count()
        assert rows == 40, f"the table under the charts lists {rows} administrations"
        # The table's own scroll box can be reached and scrolled with the keyboard, and says
        # what it holds (static/js/tables.js); once the screen is wide enough it leaves the
        # tab order.
        box = page.locator(".table-wrap", has=page.locator(".trajectory-table"))
        assert box.get_attribute("tabindex") == "0"
        assert box.get_attribute("role") == "region"
        assert box.get_attribute("aria-label").startswith("ECR-R: every administration")
        box.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=box.element_handle())
        page.set_viewport_size({"width": 1366, "height": 900})
        page.wait_for_function("el => !el.hasAttribute('tabindex')", arg=box.element_handle())
        assert box.get_attribute("role") is None
        page.set_viewport_size({"width": WIDTH, "height": 640})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, (
            f"the progress page is {width}px wide: {page.evaluate(CULPRITS, WIDTH)}"
        )
    finally:
        context.close()
