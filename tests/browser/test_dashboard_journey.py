"""A clinician opens the dashboard, sees who needs attention first, and one click later sees the
client's path on both charts, with reliable change made explicit, and can read a point's date
and score by keyboard focus."""

import os

import pytest

from practice.dashboard import progress
from tests.factories import PASSWORD
from tests.practice.progress_helpers import cite_ecr, day, ecr, phq9, respond

# Set ATTUNE_SCREENSHOTS to a directory to keep screenshots of the journey for a visual check.
SCREENSHOTS = os.environ.get("ATTUNE_SCREENSHOTS")


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_from_the_dashboard_to_the_path_on_both_charts(page, bob, erin, frank, practice_a):
    cite_ecr(practice_a)
    for month, (anxiety, avoidance, total) in enumerate([(6, 5, 18), (5, 5, 14), (2, 2, 6)]):
        at = day(2025, 1 + month, 6)
        respond(erin, "ecr-r", ecr(anxiety, avoidance), at)
        respond(erin, "phq-9", phq9(total), at)
    progress.refresh_client_progress(erin)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")
    row = page.get_by_role("row").filter(has_text="Erin Fictional")
    assert row.get_by_text("Earned security").is_visible()
    assert row.get_by_text("Secure", exact=True).is_visible()
    shot(page, "dashboard")

    row.get_by_role("link", name="Progress of Erin Fictional").click()
    page.wait_for_url("**/progress/")
    assert page.get_by_role("heading", name="Progress: Erin Fictional").is_visible()
    charts = page.locator("svg.att-chart")
    assert charts.count() == 3  # ECR-R over time, the ECR-R plane, PHQ-9 over time
    assert page.locator("svg.att-plane").get_by_text("Secure", exact=True).is_visible()
    assert page.get_by_text("Reliable change margin", exact=False).first.count() == 1
    # A point's date and score on keyboard focus.
    point = page.locator("svg.att-trajectory [tabindex='0']").first
    point.focus()
    assert "6 Jan 2025" in point.get_attribute("aria-label")
    assert page.get_by_role("table").filter(has_text="every administration").count() == 2
    shot(page, "progress")

    page.get_by_role("textbox", name="From").fill("2025-02-01")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_text("(baseline, before this period)").first.is_visible()
