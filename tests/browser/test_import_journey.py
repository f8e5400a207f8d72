"""Importing a caseload in real Chromium on a 320 px phone: from the client list to the upload,
the preview with each bad row's errors beside it, the confirmation, and a large file's progress
followed in place (HTMX polling) while the "worker" imports it."""

import pytest

from clients import import_tasks
from clients.imports import jobs
from clients.models import Client, ClientImport
from tests.browser.conftest import NARROW_PHONE
from tests.factories import PASSWORD


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= NARROW_PHONE["width"]


@pytest.mark.django_db(transaction=True)
def test_upload_preview_confirm_and_follow_the_progress(page, bob, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(import_tasks.import_clients, "delay", lambda import_id: None)  # us
    monkeypatch.setattr(jobs, "SYNC_ROWS", 2)  # three rows go to the background
    page.set_viewport_size(NARROW_PHONE)
    csv = (
        "full_name,preferred_name,email\n"
        "Robin Fictional,Robin,robin@example.org\n"
        "Kim Fictional,Kim,kim@example.org\n"
        "Lee Fictional,Lee,not-an-address\n"
        "Ash Fictional,Ash,ash@example.org\n"
    )

    sign_in(page, bob)
    page.goto("/clients/")
    page.get_by_role("link", name="Import from CSV").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "caseload.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    page.get_by_role("button", name="Upload and preview").click()

    page.get_by_text("Preview: nothing is saved yet").wait_for()
    refused = page.get_by_role("region", name="Rows that cannot be imported", exact=True)
    assert "Lee Fictional" in refused.inner_text()
    assert "E-mail: not a valid e-mail address." in refused.inner_text()
    assert no_sideways_scroll(page)
    assert not Client.objects.exists()

    page.get_by_role("button", name="Import 3 clients").click()
    status = page.locator("#import-status")
    assert "Queued." in status.inner_text()
    assert no_sideways_scroll(page)
    page.evaluate("window.notReloaded = true")

    import_tasks.import_clients(str(ClientImport.objects.get().pk))
    page.get_by_text("Import finished.").wait_for(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True  # updated in place, not reloaded
    assert "Row 4: E-mail: not a valid e-mail address." in status.inner_text()
    assert set(Client.objects.values_list("preferred_name", flat=True)) == {"Robin", "Kim", "Ash"}
