"""A report in real Chromium: the clinician clicks "Generate report", the page follows the report
as the worker renders it without being reloaded (HTMX polling), and the PDF downloads."""

import pytest

from clients.models import Report
from clients.reports import services
from clients.tasks import render_report
from tests.clients.reports_helpers import FakeSource
from tests.factories import PASSWORD


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")


@pytest.mark.django_db(transaction=True)
def test_generate_watch_and_download(page, bob, erin, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(render_report, "delay", lambda report_id: None)  # the "worker" is us
    monkeypatch.setattr("clients.reports.content.StoredResponses", FakeSource)

    sign_in(page, bob)
    page.goto(f"/clients/{erin.pk}/")
    page.get_by_role("link", name="Generate report").click()
    page.get_by_role("button", name="Generate report").click()
    status = page.locator("#report-status")
    assert "Queued." in status.inner_text()
    page.evaluate("window.notReloaded = true")

    # The worker picks the report up and renders it; the page notices by itself.
    report = Report.objects.get()
    services.render(report.pk)
    page.get_by_text("The report is ready.").wait_for(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True  # updated in place, not reloaded

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == report.download_name
    assert report.download_name.startswith(f"{report.client.full_name} - clinical report - ")
    assert download.value.path().read_bytes().startswith(b"%PDF-")
