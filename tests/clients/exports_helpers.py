"""Export jobs for tests that need them without building one: what tests/test_permissions.py
walks (Bob's exports of Erin's record: queued, failed, ready with a small file)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from clients.models import ExportJob


def export_job(client, requested_by, **fields) -> ExportJob:
    return ExportJob.objects.create(
        practice=client.practice,
        kind=ExportJob.Kind.CLIENT,
        client=client,
        requested_by=requested_by,
        **fields,
    )


def ready_export(client, requested_by, content=b"PK\x05\x06" + b"\x00" * 18) -> ExportJob:
    """A ready job with a stored (empty) zip, without building one."""
    job = export_job(client, requested_by)
    name = default_storage.save(
        f"exports/{job.practice_id}/{job.pk}/stored.zip", ContentFile(content)
    )
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.READY,
        progress=100,
        file_name=name,
        file_size=len(content),
        finished_at=timezone.now(),
        attempts=1,
    )
    job.refresh_from_db()
    return job


def permission_world(erin, bob) -> dict:
    return {
        "erin_export": export_job(erin, bob),
        "erin_failed_export": export_job(
            erin,
            bob,
            status=ExportJob.Status.FAILED,
            error_message="It went wrong.",
            finished_at=timezone.now(),
        ),
        "erin_ready_export": ready_export(erin, bob),
    }
