"""Report and export files in an S3-compatible object store (STORAGE_BACKEND=s3): a real
S3-protocol server on loopback (moto in server mode, tests/s3_server.py). What is stored lands in
the bucket, never on this machine's disk; downloads stream back through the audited views byte
for byte; expiry deletes the objects; an uploaded caseload waits in the bucket until imported;
a refusing store is temporary trouble."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.exports import services as exports
from clients.models import Client, ClientImport, ExportJob, Report
from clients.reports import services
from clients.tasks import build_export
from practice.models import AuditAction, AuditEvent
from tests.clients.exports_helpers import ready_export
from tests.clients.reports_helpers import FakeSource, phq9_history, ready_report
from tests.clients.test_imports import uploaded_job
from tests.conftest import logged_in
from tests.s3_server import s3_bucket, s3_server, s3_storage  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("s3_storage")]


@pytest.fixture(autouse=True)
def no_local_media(settings, tmp_path):
    """A media root that must stay empty: nothing may be written beside the bucket."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def bucket(s3_server, s3_storage):  # noqa: F811
    """What the test's bucket holds, by key."""
    return lambda: s3_server.objects(s3_storage)


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    monkeypatch.setattr("clients.tasks.render_report.delay", lambda pk: sent.append(pk))
    monkeypatch.setattr(build_export, "delay", lambda pk: sent.append(pk))
    return sent


def request_report(user, client, django_capture_on_commit_callbacks) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(user).post(
            reverse("clients:report_request", args=[client.pk]),
            {
                "period_start": (timezone.localdate() - datetime.timedelta(days=365)).isoformat(),
                "period_end": timezone.localdate().isoformat(),
                "audience": "clinical",
                "instruments": ["phq-9"],
            },
        )
    assert response.status_code == 302
    return Report.objects.get()


def download(user, url_name, *args) -> bytes:
    response = logged_in(user).get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content)


def test_a_report_lands_in_the_bucket_and_streams_back_byte_identical(
    bob, erin, enqueued, bucket, no_local_media, django_capture_on_commit_callbacks
):
    report = request_report(bob, erin, django_capture_on_commit_callbacks)
    services.render(report.pk, source=FakeSource([phq9_history(erin.practice, [18, 14, 9])]))
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.error_message

    stored = bucket()
    assert list(stored) == [report.file_name]
    assert report.file_name.startswith(f"reports/{report.practice_id}/{report.pk}/")
    assert stored[report.file_name].startswith(b"%PDF-")
    assert len(stored[report.file_name]) == report.file_size
    assert not no_local_media.exists()

    body = download(bob, "clients:report_download", erin.pk, report.pk)
    assert body == stored[report.file_name]
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="report", object_id=str(report.pk)
    ).exists()


def test_an_export_archive_lands_in_the_bucket_and_streams_back_byte_identical(
    bob, erin, enqueued, bucket, no_local_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(bob).post(reverse("clients:client_export", args=[erin.pk]))
    job = ExportJob.objects.get()
    build_export(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.READY, job.error_message

    stored = bucket()
    assert list(stored) == [job.file_name]
    assert job.file_name.startswith(f"exports/{job.practice_id}/{job.pk}/")
    assert not no_local_media.exists()
    assert download(bob, "clients:export_download", job.pk) == stored[job.file_name]


def test_expiry_deletes_the_objects(
    bob, erin, enqueued, bucket, django_capture_on_commit_callbacks
):
    report = ready_report(erin, bob)
    job = ready_export(erin, bob)
    assert set(bucket()) == {report.file_name, job.file_name}

    later = timezone.now() + datetime.timedelta(days=erin.practice.report_retention_days + 1)
    assert services.expire(now=later) == 1
    assert exports.expire(now=later) == 1
    assert bucket() == {}
    report.refresh_from_db()
    job.refresh_from_db()
    assert (report.status, job.status) == (Report.Status.EXPIRED, ExportJob.Status.EXPIRED)


def test_an_object_store_refusing_is_temporary_trouble_never_a_lost_report(
    bob,
    erin,
    enqueued,
    s3_server,  # noqa: F811
    s3_storage,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    report = request_report(bob, erin, django_capture_on_commit_callbacks)
    s3_server.client().delete_bucket(Bucket=s3_storage)  # the store answers, but refuses
    with pytest.raises(services.TransientReportError, match="NoSuchBucket"):
        services.render(report.pk, source=FakeSource([phq9_history(erin.practice, [18, 9])]))
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED  # back in the queue for the task's retry
    assert not report.file_name


def test_an_uploaded_caseload_is_kept_in_the_bucket_until_imported(
    as_bob, bob, bucket, no_local_media, django_capture_on_commit_callbacks
):
    job = uploaded_job(as_bob, "Robin Fictional,Robin,robin@example.org,,,,R-1")
    assert list(bucket()) == [job.file_name]
    assert b"Robin Fictional" in bucket()[job.file_name]
    with django_capture_on_commit_callbacks(execute=True):
        as_bob.post(reverse("clients:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ClientImport.Status.DONE
    assert Client.objects.filter(email="robin@example.org", primary_clinician=bob).exists()
    assert bucket() == {}
    assert not no_local_media.exists()
