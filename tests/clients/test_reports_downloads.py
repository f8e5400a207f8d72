"""Report files a person can file, and a batch in one download (issue 16): "My reports" tells
the truth when only batches exist, a batch's ready PDFs come as one ZIP under readable names,
and every report in it is audited as downloaded."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Report, ReportBatch
from clients.models.reports import safe_file_name
from practice.models import AuditAction, AuditEvent
from tests.clients.reports_helpers import (
    make_report,
    media,  # noqa: F401 - fixture
    ready_report,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def batch(alice, erin, frank):
    batch = ReportBatch.objects.create(
        practice=erin.practice,
        requested_by=alice,
        scope="Whole practice",
        finished_at=timezone.now(),
    )
    ready_report(erin, alice, batch=batch, content_bytes=b"%PDF-1.7 Erin's")
    ready_report(frank, alice, batch=batch, content_bytes=b"%PDF-1.7 Frank's")
    make_report(frank, alice, batch=batch, status=Report.Status.FAILED)
    return batch


def test_my_reports_does_not_say_none_above_a_finished_batch(as_alice, batch):
    page = as_alice.get(reverse("clients:my_reports")).content.decode()
    assert "You have not asked for any reports yet" not in page
    assert "your reports for many clients are below" in page
    assert reverse("clients:batch_detail", args=[batch.pk]) in page


def test_my_reports_says_none_when_there_are_none(as_bob):
    page = as_bob.get(reverse("clients:my_reports")).content.decode()
    assert "You have not asked for any reports yet" in page


def test_a_batch_downloads_as_one_zip_of_its_ready_pdfs(as_alice, batch, erin, frank):
    detail = as_alice.get(reverse("clients:batch_detail", args=[batch.pk])).content.decode()
    link = reverse("clients:batch_download", args=[batch.pk])
    assert f'href="{link}"' in detail and "Download all (2 PDFs, ZIP)" in detail
    response = as_alice.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="Reports - Whole practice - {batch.created_at:%Y-%m-%d}.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    contents = {name: archive.read(name) for name in archive.namelist()}
    ready = Report.objects.filter(batch=batch, status=Report.Status.READY)
    assert contents == {
        report.download_name: f"%PDF-1.7 {report.client.preferred_name}'s".encode()
        for report in ready
    }
    exported = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="report")
    assert {e.client_id for e in exported} == {erin.pk, frank.pk}


def test_two_reports_with_one_name_both_survive(as_alice, alice, erin):
    batch = ReportBatch.objects.create(practice=erin.practice, requested_by=alice, scope="Twice")
    first = ready_report(erin, alice, batch=batch)
    second = ready_report(erin, alice, batch=batch)
    archive = zipfile.ZipFile(
        io.BytesIO(
            b"".join(
                as_alice.get(reverse("clients:batch_download", args=[batch.pk])).streaming_content
            )
        )
    )
    assert len(archive.namelist()) == 2
    assert first.download_name in archive.namelist() or second.download_name in archive.namelist()


def test_nothing_ready_is_a_clear_404(as_alice, alice, erin):
    batch = ReportBatch.objects.create(practice=erin.practice, requested_by=alice, scope="Empty")
    make_report(erin, alice, batch=batch)
    response = as_alice.get(reverse("clients:batch_download", args=[batch.pk]))
    assert response.status_code == 404


def test_another_practice_cannot_download_the_batch(as_charlie, batch):
    assert as_charlie.get(reverse("clients:batch_download", args=[batch.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Erin Fictional", "Erin Fictional"),
        ('A/B\\C:D*E?F"G<H>I|J', "A B C D E F G H I J"),
        ("  ..  ", "report"),
        ("Zoë Ålander", "Zoë Ålander"),
        ("x" * 200, "x" * 80),
    ],
)
def test_file_names_are_safe_on_every_system(name, expected):
    assert safe_file_name(name) == expected
