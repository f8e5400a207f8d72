"""How a report lays out on paper, read back page by page from the real PDF: the header says
"Generated" once."""

import pytest

from clients.models import Report
from clients.reports import services
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


def page_texts(report: Report, source) -> list[str]:
    services.render(report.pk, source=source)
    return [" ".join(page.extract_text().split()) for page in pdf_reader(report).pages]


@pytest.fixture
def histories(practice_a):
    return [phq9_history(practice_a, PHQ9_TOTALS), ecr_history(practice_a, ECR_PATH, days=90)]


def test_the_generated_time_is_written_once_per_place(erin, bob, histories):
    report = make_report(erin, bob)
    pages = page_texts(report, FakeSource(histories))
    report.refresh_from_db()
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert "Generated Generated" not in text
        # The identification block on page 1, and every page's footer.
        assert text.count("Generated") == (2 if number == 1 else 1), (number, text)
