"""Exports in real Chromium: from a client's page to the archive of their record (the progress
page follows the build without a reload, then the zip downloads), and the export pages at 320 px
without sideways scrolling."""

import io
import zipfile

import pytest

from clients.exports import services
from clients.models import ExportJob
from clients.tasks import build_export
from tests.browser.test_report_progress import sign_in
from tests.practice.progress_helpers import day, phq9, respond

WIDTH_SCRIPT = "document.documentElement.scrollWidth"


def fits(page, width=320) -> bool:
    page.set_viewport_size({"width": width, "height": 700})
    return page.evaluate(WIDTH_SCRIPT) <= width


@pytest.mark.django_db(transaction=True)
def test_export_a_record_watch_it_build_and_download(
    page, bob, erin, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(build_export, "delay", lambda job_id: None)  # the "worker" is us
    respond(erin, "phq-9", phq9(11), day(2025, 1, 6))

    sign_in(page, bob)
    page.goto(f"/clients/{erin.pk}/")
    page.get_by_role("link", name="Export this record").click()
    assert fits(page)
    page.get_by_role("button", name="Build the archive").click()
    status = page.locator("#export-status")
    assert "Queued." in status.inner_text()
    assert fits(page)
    page.evaluate("window.notReloaded = true")

    job = ExportJob.objects.get()
    services.build(job.pk)
    page.get_by_text("The archive is ready.").wait_for(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True  # updated in place, not reloaded

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the archive (zip)").click()
    job.refresh_from_db()
    assert download.value.suggested_filename == job.download_name
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert "scores.csv" in archive.namelist()


@pytest.mark.django_db(transaction=True)
def test_the_owners_export_page_fits_a_narrow_phone(
    page, alice, dana, bob, erin, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    services.request_practice_export(alice, alice.memberships.get())
    sign_in(page, alice)
    page.goto("/clients/exports/practice/")
    page.get_by_label("One clinician's caseload").select_option(label="Dana Clinician")
    assert fits(page)
    assert page.get_by_role("link", name="Queued").is_visible()
