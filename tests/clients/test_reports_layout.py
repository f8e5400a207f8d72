"""How a report lays out on paper, read back page by page from the real PDF: the header says
"Generated" once, open and recent safety alerts are on page 1, and an instrument's heading never
ends a page while its chart starts the next."""

import datetime

import pytest
from django.utils import timezone

from clients.models import Report
from clients.reports import content, services
from tests.clients.reports_helpers import (
    FakeSource,
    ecr_history,
    make_report,
    media,  # noqa: F401 - fixture
    pdf_reader,
    phq9_history,
)
from tests.clients.test_reports_content import ECR_PATH, PHQ9_TOTALS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

HEADINGS_AND_AXES = {
    "Patient Health Questionnaire-9 (PHQ-9)": "PHQ-9 score (0-27)",
    "Experiences in Close Relationships - Revised (ECR-R)": "ECR-R scores (1-7)",
}


def page_texts(report: Report, source) -> list[str]:
    services.render(report.pk, source=source)
    return [" ".join(page.extract_text().split()) for page in pdf_reader(report).pages]


@pytest.fixture
def histories(practice_a):
    return [phq9_history(practice_a, PHQ9_TOTALS), ecr_history(practice_a, ECR_PATH, days=90)]


def alert(days_ago: int, rule: str, acknowledged: bool) -> content.AlertRecord:
    raised = timezone.now() - datetime.timedelta(days=days_ago)
    return content.AlertRecord(
        raised_at=raised,
        instrument="PHQ-9",
        rule=rule,
        acknowledged_at=raised + datetime.timedelta(hours=2) if acknowledged else None,
        acknowledged_by="Bob Clinician" if acknowledged else "",
    )


def test_the_generated_time_is_written_once_per_place(erin, bob, histories):
    report = make_report(erin, bob)
    pages = page_texts(report, FakeSource(histories))
    report.refresh_from_db()
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert "Generated Generated" not in text
        # The identification block on page 1, and every page's footer.
        assert text.count("Generated") == (2 if number == 1 else 1), (number, text)


def test_open_and_recent_safety_alerts_are_on_page_one(erin, bob, histories):
    alerts = [
        alert(3, "Item 9 answered above 0 (open)", acknowledged=False),
        alert(40, "Item 9 answered above 0 (handled)", acknowledged=True),
    ]
    first, *rest = page_texts(make_report(erin, bob), FakeSource(histories, alerts))
    assert "Safety alerts" in first
    assert "Item 9 answered above 0 (open)" in first
    assert "Not acknowledged" in first
    assert "Item 9 answered above 0 (handled)" in first
    assert "Safety alerts" not in " ".join(rest)  # listed once, not again at the end
    # Before the instruments: page 1 reads alerts first, not a line of small print.
    assert first.index("Safety alerts") < first.index("At a glance")


def test_the_client_version_has_no_alerts_on_page_one(erin, bob, histories):
    alerts = [alert(3, "Item 9 answered above 0", acknowledged=False)]
    report = make_report(erin, bob, audience=Report.Audience.CLIENT)
    first, *_ = page_texts(report, FakeSource(histories, alerts))
    assert "Safety alerts" not in first and "Item 9" not in first


def test_an_instruments_heading_stays_on_the_page_of_its_chart(erin, bob, practice_a, histories):
    """A longer or shorter letterhead moves every heading down the page; at some length one
    lands at the bottom of a page (without the fix, 12 lines put both headings at a page's end
    and their charts on the next). Its chart's axis label is on the heading's page each time."""
    source = FakeSource(histories)
    for lines in range(0, 25, 4):
        practice_a.report_letterhead = "\n".join(f"Letterhead line {n}" for n in range(lines))
        practice_a.save()
        pages = page_texts(make_report(erin, bob), source)
        for heading, axis in HEADINGS_AND_AXES.items():
            (on,) = [number for number, text in enumerate(pages) if heading in text]
            assert axis in pages[on], f"{lines} letterhead lines: {heading!r} ends page {on + 1}"
