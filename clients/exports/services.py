"""Export jobs: request one, build its archive in the background, hand it over, let it expire.

A job is an ``ExportJob`` row first; ``build_export`` (the Celery task, declared here beside
``build`` so requesting and sweeping enqueue it without importing the tasks module above them;
registered as ``clients.tasks.build_export``) gets only its id, enqueued when the request's
transaction commits.

- ``request_client_export`` / ``request_practice_export`` check who may ask, store the row,
  audit it and enqueue. Asking again while the same archive is still being built returns that
  job instead of starting another.
- ``build`` claims the row with a compare-and-set, acts as the requester in the job's practice
  (so the archive holds only what they may see, and nothing if they may no longer), writes the
  zip to a temporary file, stores it in the default storage under a fresh name and marks the row
  ready, in that order; each client written is audited as an ``export``. A re-delivered message
  finds the row claimed or finished and does nothing; a build whose claim was lost removes its
  file. Transient trouble (database, storage) puts the row back in the queue to retry. A job
  marked ready emits the webhook event ``export.ready`` (its id, and the client's) in the same
  transaction.
- ``sweep`` (beat) re-enqueues rows whose worker died or whose message was lost; ``expire``
  (beat) deletes archives past the practice's report retention and marks the rows expired.

Logs name jobs by id only.
"""

import contextlib
import datetime
import logging
import os
import secrets
import traceback
import zipfile
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from clients.exports import archive
from clients.models import Client, ExportJob
from clients.reports import storage
from practice import audit, webhooks
from practice.acting import act_in
from practice.models import AuditAction, Membership, Practice, Role
from practice.queue import enqueue_on_commit

logger = logging.getLogger(__name__)
Status = ExportJob.Status

MAX_ATTEMPTS = 3
SOFT_TIME_LIMIT = 30 * 60
"""Seconds a build may take before it is asked to stop (a large practice with many PDFs)."""
TIME_LIMIT = SOFT_TIME_LIMIT + 60
LEASE = timedelta(seconds=TIME_LIMIT + 60)
"""How long a claim lasts: past the task's hard time limit its worker is gone."""
QUEUED_STUCK_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 200
RETRY_BACKOFF = 30

# Kept on the job for the person who asked: marked here, translated by _fail in the language
# active then (the default one in the task).
NOT_ALLOWED = gettext_noop(
    "The person who asked for this export can no longer see this record, so it was not built."
)
GENERIC_FAILURE = gettext_noop(
    "Something went wrong while building this export. Try again; if it fails again, tell your "
    "administrator (quote the export number)."
)
WORKER_LOST = gettext_noop(
    "The export stopped several times while it was being built. Try again; if it fails again, "
    "tell your administrator (quote the export number)."
)
TOO_SLOW = gettext_noop(
    "The export took too long to build. Try again later, or tell your administrator."
)
TRANSIENT_ERRORS = (OperationalError, InterfaceError, *storage.STORAGE_ERRORS)


class TransientExportError(Exception):
    """A temporary problem; the task retries. Carries the error's class name only."""


class ExportNotAllowed(Exception):
    """The requester can no longer see what the job would export."""


# --- Requesting -------------------------------------------------------------------------------


def _enqueue(job_id) -> None:
    enqueue_on_commit(build_export, str(job_id))


def _request(actor, practice: Practice, kind: str, client: Client | None, request) -> ExportJob:
    pending = ExportJob.objects.unfinished().filter(
        practice=practice, kind=kind, client=client, requested_by=actor
    )
    job = pending.first()
    if job is not None:
        return job
    job = ExportJob.objects.create(practice=practice, kind=kind, client=client, requested_by=actor)
    audit.record(
        request,
        AuditAction.CREATE,
        job,
        practice=practice,
        client_id=client.pk if client else None,
        fields=["kind"],
        actor=actor,
    )
    _enqueue(job.pk)
    logger.info("export %s queued (%s)", job.pk, kind)
    return job


@transaction.atomic
def request_client_export(actor, client: Client, *, request=None) -> ExportJob:
    """Queue an archive of ``client``'s full record (found by the caller through
    ``Client.objects.visible_to(actor)``)."""
    return _request(actor, client.practice, ExportJob.Kind.CLIENT, client, request)


@transaction.atomic
def request_practice_export(actor, membership: Membership | None, *, request=None) -> ExportJob:
    """Queue an archive of everything the practice of ``membership`` holds: owners only."""
    if membership is None or membership.role != Role.OWNER:
        raise PermissionDenied(gettext("Only the practice's owners can export the whole practice."))
    return _request(actor, membership.practice, ExportJob.Kind.PRACTICE, None, request)


def kind_or_error(value: str) -> str:
    if value not in ExportJob.Kind.values:
        raise ValidationError({"kind": gettext("Choose 'client' (with a client) or 'practice'.")})
    return value


# --- Handing over -----------------------------------------------------------------------------


def open_file(job: ExportJob):
    """The stored archive of a ready job, opened for reading; ``None`` if there is none."""
    if not job.is_ready or not job.file_name:
        return None
    try:
        return default_storage.open(job.file_name, "rb")
    except FileNotFoundError:
        logger.error("export %s is ready but its file is missing", job.pk)
        return None


def record_download(request, job: ExportJob) -> None:
    audit.record(request, AuditAction.EXPORT, job, client_id=job.client_id, fields=["file"])


# --- Building (the task) ----------------------------------------------------------------------


def _claim(job_id) -> ExportJob | None:
    now = timezone.now()
    claimed = (
        ExportJob.objects.filter(pk=job_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_expires_at__lt=now))
        .update(
            status=Status.RUNNING,
            attempts=F("attempts") + 1,
            progress=1,
            error_message="",
            lease_expires_at=now + LEASE,
        )
    )
    if not claimed:
        return None
    return ExportJob.objects.select_related("practice", "client", "requested_by").get(pk=job_id)


def _mine(job: ExportJob):
    """The row while this claim holds it: still running, with our attempt number."""
    return ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=job.attempts)


def _fail(job: ExportJob, message: str) -> None:
    _mine(job).update(
        status=Status.FAILED,
        error_message=gettext(message)[:300],
        finished_at=timezone.now(),
        lease_expires_at=None,
        progress=0,
    )


def _acting_requester(job: ExportJob):
    """The requester, acting in the job's practice, if they may still export what it names."""
    user = job.requested_by
    if user is None or not user.is_active:
        raise ExportNotAllowed
    act_in(user, job.practice_id)
    if job.kind == ExportJob.Kind.PRACTICE:
        if (
            not Membership.objects.active()
            .filter(user=user, practice_id=job.practice_id, role=Role.OWNER)
            .exists()
        ):
            raise ExportNotAllowed
        return user, None
    client = Client.objects.visible_to(user).filter(pk=job.client_id).first()
    if client is None:
        raise ExportNotAllowed
    return user, client


def _write(job: ExportJob, path: str) -> None:
    user, client = _acting_requester(job)

    def progress(done: int, total: int) -> None:
        _mine(job).update(progress=max(2, min(95, 5 + 90 * done // max(total, 1))))

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        if client is not None:
            zipped.writestr("README.txt", archive.README)
            archive.write_client(zipped, user, client)
            exported = [client.pk]
        else:
            exported = archive.write_practice(zipped, user, job.practice, progress)
    audit.record_clients(
        None, AuditAction.EXPORT, job.practice, exported, fields=["record"], actor=user
    )


def _store(job: ExportJob, path: str) -> tuple[str, int]:
    name = f"exports/{job.practice_id}/{job.pk}/{secrets.token_hex(8)}.zip"
    size = os.path.getsize(path)
    with open(path, "rb") as written:
        return default_storage.save(name, storage.MovableFile(written, path)), size


def delete_files(job: ExportJob, keep: str | None = None) -> None:
    """Delete every file stored for ``job`` except ``keep``."""
    storage.delete_directory(f"exports/{job.practice_id}/{job.pk}", keep)


def build(job_id) -> None:
    """Build one export; what the ``build_export`` task runs. Safe to run any number of times
    for the same id: only a run that claims the row works on it, and only a run that still holds
    its claim at the end marks it ready; any other run removes the file it wrote."""
    job = _claim(job_id)
    if job is None:
        logger.info("export %s is claimed elsewhere or finished; nothing to do", job_id)
        return
    path = storage.partial_file(job.pk, ".zip")
    try:
        _write(job, path)
        stored, size = _store(job, path)
    except ExportNotAllowed:
        _fail(job, NOT_ALLOWED)
        logger.warning("export %s failed: the requester may no longer export it", job.pk)
        return
    except SoftTimeLimitExceeded:
        _fail(job, TOO_SLOW)
        logger.warning("export %s failed: task soft time limit", job.pk)
        return
    except TRANSIENT_ERRORS as exc:
        _transient(job, exc)
        return  # pragma: no cover - _transient raises
    except Exception as exc:
        _fail(job, GENERIC_FAILURE)
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error("export %s failed: %s\n%s", job.pk, type(exc).__name__, frames)
        return
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
    with transaction.atomic():
        finished = _mine(job).update(
            status=Status.READY,
            progress=100,
            file_name=stored,
            file_size=size,
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
        if finished:
            _emit_ready(job)
    if not finished:
        default_storage.delete(stored)
        logger.warning("export %s: claim lost before finishing; file removed", job.pk)
        return
    delete_files(job, keep=stored)
    logger.info("export %s ready: %s bytes", job.pk, size)


def _emit_ready(job: ExportJob) -> None:
    """Tell the practice's webhook endpoints, with ids only, in the transaction that marks the
    job ready (the deliveries go out once it commits)."""
    ids = {"export_id": job.pk}
    if job.client_id:
        ids["client_id"] = job.client_id
    webhooks.emit(job.practice_id, webhooks.EXPORT_READY, **ids)


def _transient(job: ExportJob, exc: BaseException) -> None:
    error = type(exc).__name__
    if job.attempts >= MAX_ATTEMPTS:
        _fail(job, GENERIC_FAILURE)
        logger.error("export %s failed after %s attempts: %s", job.pk, job.attempts, error)
        return
    _mine(job).update(
        status=Status.QUEUED,
        progress=0,
        next_attempt_at=timezone.now() + timedelta(seconds=RETRY_BACKOFF * job.attempts),
        lease_expires_at=None,
    )
    logger.warning("export %s: attempt %s failed (%s); will retry", job.pk, job.attempts, error)
    raise TransientExportError(error) from None


@shared_task(
    name="clients.tasks.build_export",
    autoretry_for=(TransientExportError,),
    retry_backoff=RETRY_BACKOFF,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def build_export(job_id: str) -> None:
    """Build one queued export. Running it twice for the same id builds it once."""
    build(job_id)


# --- Sweeping and expiry (beat) ---------------------------------------------------------------


def sweep(now: datetime.datetime | None = None) -> list:
    """Re-enqueue exports whose worker died (running past the lease) or whose message was lost
    (queued long past due); fail those that used their attempts. What beat runs."""
    now = now or timezone.now()
    dead = ExportJob.objects.filter(status=Status.RUNNING, lease_expires_at__lt=now)
    dead.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED,
        error_message=gettext(WORKER_LOST),
        finished_at=now,
        lease_expires_at=None,
        progress=0,
    )
    revived = list(dead.values_list("pk", flat=True)[:SWEEP_BATCH])
    if revived:
        ExportJob.objects.filter(
            pk__in=revived, status=Status.RUNNING, lease_expires_at__lt=now
        ).update(status=Status.QUEUED, progress=0, lease_expires_at=None, next_attempt_at=now)
    lost = list(
        ExportJob.objects.filter(
            status=Status.QUEUED, next_attempt_at__lt=now - QUEUED_STUCK_AFTER
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if lost:
        ExportJob.objects.filter(pk__in=lost, status=Status.QUEUED).update(next_attempt_at=now)
    ids = revived + lost
    for job_id in ids:
        enqueue_on_commit(build_export, str(job_id))
    if ids:
        logger.warning("re-enqueued %s export(s)", len(ids))
    return ids


def expire(now: datetime.datetime | None = None) -> int:
    """Delete the archives of ready exports older than their practice's report retention and
    mark the rows expired; what beat runs."""
    now = now or timezone.now()
    expired = 0
    retentions = Practice.objects.filter(export_jobs__status=Status.READY).values_list(
        "report_retention_days", flat=True
    )
    for days in set(retentions):
        due = ExportJob.objects.filter(
            status=Status.READY,
            practice__report_retention_days=days,
            finished_at__lt=now - timedelta(days=days),
        )
        for job in due[:SWEEP_BATCH]:
            if ExportJob.objects.filter(pk=job.pk, status=Status.READY).update(
                status=Status.EXPIRED, file_name="", file_size=None
            ):
                expired += 1
                try:
                    delete_files(job)
                except storage.STORAGE_ERRORS as exc:
                    logger.error(
                        "export %s expired; deleting its file failed: %s",
                        job.pk,
                        type(exc).__name__,
                    )
    if expired:
        logger.info("expired %s export(s)", expired)
    return expired
