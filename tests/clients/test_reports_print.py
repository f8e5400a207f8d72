"""A report is one self-contained print document (issue 17): its own print stylesheet, never the
site's screen stylesheet, and charts drawn for paper (no focus rings, tooltips or their rules)
that still carry every point, the reliable-change margin, the bands and the labels."""

import base64
import datetime
import html
import re
from pathlib import Path

import pypdf
import pytest
from django.conf import settings
from django.utils import timezone

from assessments.charts import FONT_FAMILY
from clients.reports import content, pdf, sections, services
from tests.clients.reports_helpers import (
    FakeSource,
    ecr_history,
    make_report,
    media,  # noqa: F401 - fixture
    pdf_reader,
    phq9_history,
)
from tests.clients.test_reports_content import PHQ9_TOTALS, numbers  # noqa: F401 - fixture
from tests.clients.test_reports_figures import ZONE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "numbers")]

ROOT = Path(__file__).resolve().parents[2]
MONTHLY_ECR = [(6, 6), (6, 5), (5, 5), (5, 4), (5, 3), (3, 3), (3, 2), (2, 2)]


@pytest.fixture
def histories(practice_a):
    return [phq9_history(practice_a, PHQ9_TOTALS), ecr_history(practice_a, MONTHLY_ECR)]


def report_html(erin, bob, histories) -> str:
    report = make_report(erin, bob)
    return content.render_html(content.gather(report, FakeSource(histories)))


def test_the_report_loads_no_screen_stylesheet(erin, bob, histories, tmp_path, monkeypatch):
    html = report_html(erin, bob, histories)
    assert not re.search(r"<link[^>]*stylesheet", html) and "css/attune.css" not in html
    assert "@page" in html and "string-set: client" in html  # its own print rules, inline
    fetched = []
    fetcher = pdf.static_only_fetcher()
    original = fetcher.fetch

    def recording(url, headers=None):
        fetched.append(url)
        return original(url, headers)

    monkeypatch.setattr(fetcher, "fetch", recording)
    monkeypatch.setattr(pdf, "static_only_fetcher", lambda: fetcher)
    pages = pdf._write_pdf(html, tmp_path / "report.pdf")
    assert pages > 1
    assert fetched and all(url.startswith("data:image/svg+xml") for url in fetched), fetched


def test_the_printed_report_keeps_its_running_headers_and_content(erin, bob, histories):
    report = make_report(erin, bob)
    services.render(report.pk, source=FakeSource(histories))
    pages = [" ".join(p.extract_text().split()) for p in pdf_reader(report).pages]
    assert len(pages) > 1
    for text in pages[1:]:
        assert erin.full_name in text and erin.practice.name in text  # the running headers
    whole = " ".join(pages)
    assert "PHQ-9 score (0-27)" in whole and "ECR-R scores (1-7)" in whole
    assert "Reliable change margin" in whole


def test_the_print_stylesheet_leaves_out_what_is_slow_to_lay_out(erin, bob, histories):
    """Measured on the bench's typical report: grids for the identification block took about
    5% of the render, custom properties resolved on every table cell about 4%."""
    html = report_html(erin, bob, histories)
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert set(re.findall(r"var\((--[\w-]+)", style)) == {"--accent"}  # the practice's colour
    assert not re.search(r"display:\s*(inline-)?grid", style)


def test_the_identification_block_pairs_each_label_with_its_value(erin, bob, histories):
    report = make_report(erin, bob)
    services.render(report.pk, source=FakeSource(histories))
    first = " ".join(pdf_reader(report).pages[0].extract_text().split())
    assert f"Client {erin.full_name}" in first
    assert f"Clinician {erin.primary_clinician}" in first
    assert f"Requested by {bob.get_full_name()}" in first


def chart_svgs(practice, history) -> dict[str, str]:
    today = timezone.localdate()
    section = sections.build_section(
        practice, history, today - datetime.timedelta(days=365), today, ZONE, clinical=True
    )
    return {
        chart["kind"]: base64.b64decode(chart["uri"].split(",", 1)[1]).decode()
        for chart in section.charts
    }


def test_the_charts_keep_their_data_without_what_only_a_screen_uses(practice_a):
    charts = chart_svgs(practice_a, ecr_history(practice_a, MONTHLY_ECR))
    trajectory, plane = charts["trajectory"], charts["plane"]
    for svg in (trajectory, plane):
        assert "<style" not in svg and "att-tip" not in svg and "att-ring" not in svg
        assert "tabindex" not in svg
    # Every administration's point: anxiety and avoidance over time, and the path on the plane.
    assert len(re.findall(r'class="att-focus att-point att-s0"', trajectory)) == len(MONTHLY_ECR)
    assert len(re.findall(r'class="att-focus att-point att-s1"', trajectory)) == len(MONTHLY_ECR)
    assert len(re.findall(r'class="att-focus att-point', plane)) == len(MONTHLY_ECR)
    # The reliable-change margin around the baseline, the baseline rule and the labels.
    assert 'class="att-rc-margin"' in plane and "Reliable change margin" in plane
    assert "Baseline" in trajectory
    assert "ECR-R scores (1-7)" in trajectory
    for label in ("Secure", "Fearful-avoidant"):
        assert label in plane


def test_the_warm_up_sample_uses_every_style_of_the_report(practice_a):
    """Each worker lays the sample out once, and its render children inherit the fonts it
    loaded (``pdf.shared_fonts``): a style of the report missing from the sample would be found
    again in every report."""
    stylesheet = (ROOT / "templates/clients/reports/pdf/report.css").read_text()
    styled = set(re.findall(r"\.([a-z][\w-]*)", re.sub(r"/\*.*?\*/", "", stylesheet, flags=re.S)))
    sample = pdf.warm_up_html()
    used = {name for value in re.findall(r'class="([^"]*)"', sample) for name in value.split()}
    assert styled and styled <= used, styled - used
    assert stylesheet.strip()[:200] in sample  # the report's stylesheet itself
    fonts = {html.unescape(value) for value in re.findall(r'font-family="([^"]*)"', sample)}
    assert fonts == {FONT_FAMILY}
    histories = [
        phq9_history(practice_a, PHQ9_TOTALS),
        ecr_history(practice_a, MONTHLY_ECR),
    ]
    sizes = {
        size
        for history in histories
        for svg in chart_svgs(practice_a, history).values()
        for size in re.findall(r'font-size="([^"]+)"', svg)
    }
    assert sizes and sizes <= set(pdf.CHART_FONT_SIZES), sizes
    for language, _name in settings.LANGUAGES:
        assert f'lang="{language}"' in sample


def test_a_report_laid_out_with_the_shared_fonts_reads_as_with_new_ones(
    erin, bob, histories, tmp_path
):
    html_text = report_html(erin, bob, histories)
    shared, new = tmp_path / "shared.pdf", tmp_path / "new.pdf"
    pages = pdf.render_pdf(html_text, shared, seconds=60, memory_mb=1024)  # the child's fonts
    assert pdf._write_pdf(html_text, new) == pages  # WeasyPrint's default: a new configuration
    readers = [pypdf.PdfReader(path) for path in (shared, new)]
    assert [page.extract_text() for page in readers[0].pages] == [
        page.extract_text() for page in readers[1].pages
    ]
