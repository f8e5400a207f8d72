"""Large caseload imports run in the background: a row first, the task gets its id, progress is
saved with each chunk, a lost worker or message is picked up by the sweeper, and nothing is
saved twice."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients import import_tasks
from clients.imports import caseload, jobs
from clients.models import Client, ClientImport

Status = ClientImport.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enqueued(monkeypatch):
    """The ids ``import_clients`` was sent, instead of a broker."""
    sent = []
    monkeypatch.setattr(import_tasks.import_clients, "delay", lambda *args: sent.append(args[0]))
    return sent


def big_file(rows: int) -> SimpleUploadedFile:
    lines = ["full_name,preferred_name,email,external_reference"]
    lines += [f"Client {n:05} Fictional,C{n},c{n}@example.org,R-{n}" for n in range(rows)]
    lines.append("No Preferred Name,,,")  # one bad row, last
    return SimpleUploadedFile("big.csv", "\n".join(lines).encode(), content_type="text/csv")


def confirm(web, job, capture):
    with capture(execute=True):
        response = web.post(reverse("clients:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    return job


@pytest.mark.slow
def test_ten_thousand_rows_import_in_the_background_with_progress(
    as_bob, bob, enqueued, django_capture_on_commit_callbacks
):
    job = jobs.upload(bob, bob.memberships.get(), big_file(9_999))
    assert job.total_rows == 10_000
    job = confirm(as_bob, job, django_capture_on_commit_callbacks)
    assert job.status == Status.QUEUED
    assert enqueued == [str(job.pk)]  # the id only, sent once the request committed
    assert not Client.objects.exists()

    page = as_bob.get(reverse("clients:import_detail", args=[job.pk])).content.decode()
    assert "Queued." in page and 'hx-get="' in page  # the page polls while it waits

    seen = []
    save_rows = caseload.save_rows

    def watching(rows, *args, **kwargs):
        seen.append(ClientImport.objects.get(pk=job.pk).saved_rows)
        return save_rows(rows, *args, **kwargs)

    caseload_save = pytest.MonkeyPatch()
    caseload_save.setattr(caseload, "save_rows", watching)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            import_tasks.import_clients(str(job.pk))
    finally:
        caseload_save.undo()

    job.refresh_from_db()
    assert job.status == Status.DONE and job.progress == 100
    assert (job.saved_rows, job.created_count, job.error_count) == (10_000, 9_999, 1)
    assert job.errors == [{"row": 10_001, "messages": ["Preferred name is required."]}]
    assert seen == list(range(0, 10_000, jobs.CHUNK))  # progress committed with each chunk
    assert Client.objects.filter(primary_clinician=bob).count() == 9_999
    assert not default_storage.exists(job.file_name)
    status = as_bob.get(reverse("clients:import_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "Import finished" in status.content.decode() and "hx-get" not in status.content.decode()


def test_a_lost_worker_resumes_after_the_last_saved_chunk(bob, enqueued, monkeypatch):
    job = jobs.upload(bob, bob.memberships.get(), big_file(25))
    ClientImport.objects.filter(pk=job.pk).update(status=Status.QUEUED, queued_at=timezone.now())
    save_rows = caseload.save_rows
    calls = []

    def dies_on_third_chunk(rows, *args, **kwargs):
        calls.append(len(rows))
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return save_rows(rows, *args, **kwargs)

    monkeypatch.setattr(caseload, "save_rows", dies_on_third_chunk)
    with pytest.raises(SystemExit):
        jobs.run(job.pk, chunk=10)
    job.refresh_from_db()
    assert (job.status, job.saved_rows, job.progress) == (Status.RUNNING, 20, 76)
    assert Client.objects.count() == 20

    # A second delivery while the claim holds does nothing.
    jobs.run(job.pk, chunk=10)
    assert Client.objects.count() == 20

    # Past the lease the sweeper re-enqueues it; the next run saves the rest, once each.
    later = timezone.now() + jobs.LEASE + timedelta(seconds=1)
    assert jobs.sweep(now=later) == [str(job.pk)]
    monkeypatch.setattr(caseload, "save_rows", save_rows)
    jobs.run(job.pk, chunk=10)
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert (job.saved_rows, job.created_count, job.error_count) == (26, 25, 1)
    assert Client.objects.count() == 25
    assert Client.objects.values("email").distinct().count() == 25


def test_the_sweeper_sends_lost_messages_again_and_is_on_the_beat(
    bob, enqueued, django_capture_on_commit_callbacks
):
    job = jobs.upload(bob, bob.memberships.get(), big_file(3))
    ClientImport.objects.filter(pk=job.pk).update(
        status=Status.QUEUED, queued_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert import_tasks.sweep_client_imports() == 1
        assert import_tasks.sweep_client_imports() == 0  # not again at once
    assert enqueued == [str(job.pk)]
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-client-imports"]
    assert entry["task"] == import_tasks.sweep_client_imports.name


def test_a_worker_stopping_too_often_fails_the_import_with_a_reason(bob):
    job = jobs.upload(bob, bob.memberships.get(), big_file(3))
    ClientImport.objects.filter(pk=job.pk).update(
        status=Status.RUNNING,
        attempts=jobs.MAX_ATTEMPTS,
        lease_expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert jobs.sweep() == []
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error_message == jobs.WORKER_LOST


def test_unconfirmed_uploads_are_deleted_with_their_files_after_a_day(bob):
    job = jobs.upload(bob, bob.memberships.get(), big_file(3))
    assert default_storage.exists(job.file_name)
    jobs.sweep(now=timezone.now() + timedelta(hours=23))
    assert ClientImport.objects.filter(pk=job.pk).exists()
    jobs.sweep(now=timezone.now() + jobs.UPLOAD_KEPT + timedelta(minutes=1))
    assert not ClientImport.objects.filter(pk=job.pk).exists()
    assert not default_storage.exists(job.file_name)


def test_a_requester_who_left_the_practice_imports_nothing_more(bob, enqueued):
    job = jobs.upload(bob, bob.memberships.get(), big_file(3))
    ClientImport.objects.filter(pk=job.pk).update(status=Status.QUEUED, queued_at=timezone.now())
    bob.memberships.update(is_active=False)
    import_tasks.import_clients(str(job.pk))
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error_message == jobs.NOT_A_MEMBER
    assert not Client.objects.exists()
