"""A caseload import as a row: upload, preview, confirm, the background run and the sweep.

- ``upload`` reads and checks the file as a whole (limits, encoding, header), stores it in the
  default storage and creates the ``ClientImport`` row (status ``uploaded``). Nothing else.
- ``preview`` reads the stored file again and checks every row: what the preview page shows.
- ``confirm`` saves: a file of at most ``SYNC_ROWS`` rows at once, every valid row in one
  transaction with the row marked done; a larger one is marked queued for the Celery task
  (``clients.tasks.import_clients``), which the caller enqueues on commit.
- ``run`` is what the task runs: it claims the row with a compare-and-set, then saves the file
  in chunks of ``CHUNK`` rows, each chunk in one transaction together with the row's cursor
  (``saved_rows``) and counts, so the page can show progress and a run that stops (a worker
  lost, a time limit) resumes where the last chunk ended without saving any client twice.
- ``sweep`` (beat) re-enqueues rows whose message was lost or whose worker died, fails rows that
  stopped too often, and deletes uploads never confirmed within a day with their files.

Errors are kept on the row as row numbers and messages, never the rows' values. Logs name
imports by id only.
"""

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from clients.imports import caseload, csvfile
from clients.models import ClientImport
from practice.acting import act_in, acting_membership
from practice.models import Membership

logger = logging.getLogger(__name__)
Status = ClientImport.Status

SYNC_ROWS = 500
"""Files up to this many rows are saved in the confirming request; larger ones in the
background."""
CHUNK = 500
LEASE = timedelta(minutes=10)
"""How long a claim lasts without the run finishing a chunk: past it, the worker is gone."""
QUEUED_STUCK_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 4
ERRORS_KEPT = 1000
UPLOAD_KEPT = timedelta(days=1)

# Kept on the row for the person importing: marked here, translated where the row is failed
# (in the language active then, the default one in the task).
NOT_A_MEMBER = gettext_noop(
    "You are no longer an active member of this practice, so the rest of the file was not imported."
)
FILE_GONE = gettext_noop("The uploaded file is no longer available. Upload it again.")
WORKER_LOST = gettext_noop(
    "The import stopped several times. The rows counted as done are saved; upload the rest "
    "again, or tell your administrator (quote the import number)."
)


def upload(user, membership: Membership, uploaded_file) -> ClientImport:
    """Check ``uploaded_file`` as a whole and keep it for the preview; raises
    ``csvfile.ImportFileError`` with a message to show."""
    data = csvfile.read_upload(uploaded_file)
    table = caseload.parse(data)
    job = ClientImport.objects.create(
        practice=membership.practice, requested_by=user, total_rows=len(table.rows)
    )
    job.file_name = default_storage.save(
        f"imports/{membership.practice_id}/{job.pk}.csv", ContentFile(data)
    )
    job.save(update_fields=["file_name"])
    logger.info("client import %s uploaded: %s rows", job.pk, job.total_rows)
    return job


def check_upload(user, membership: Membership, uploaded_file) -> list[caseload.Row]:
    """A dry run: every row of ``uploaded_file`` checked, nothing stored, not even the file."""
    return caseload.check_rows(caseload.parse(csvfile.read_upload(uploaded_file)), user, membership)


def _table(job: ClientImport) -> csvfile.Table:
    try:
        with default_storage.open(job.file_name, "rb") as stored:
            data = stored.read()
    except (FileNotFoundError, ValueError):
        raise csvfile.ImportFileError(gettext(FILE_GONE)) from None
    return caseload.parse(data)


def preview(job: ClientImport, user, membership: Membership) -> list[caseload.Row]:
    return caseload.check_rows(_table(job), user, membership)


def _record(job: ClientImport, rows: list[caseload.Row]) -> dict:
    """The counts and kept errors after ``rows`` are dealt with, for an ``update``."""
    refused = [row for row in rows if not row.ok]
    job.errors = (job.errors + [{"row": r.number, "messages": r.errors} for r in refused])[
        :ERRORS_KEPT
    ]
    job.saved_rows += len(rows)
    job.created_count += len(rows) - len(refused)
    job.error_count += len(refused)
    return {
        "saved_rows": job.saved_rows,
        "created_count": job.created_count,
        "error_count": job.error_count,
        "errors": job.errors,
    }


@transaction.atomic
def confirm(request, job: ClientImport) -> ClientImport:
    """Import the previewed file. Confirming twice does nothing more.

    Up to ``SYNC_ROWS`` rows: every valid row saved now, in this one transaction. More: the row
    is queued, and the caller enqueues ``import_clients`` on commit."""
    now = timezone.now()
    if job.total_rows > SYNC_ROWS:
        ClientImport.objects.filter(pk=job.pk, status=Status.UPLOADED).update(
            status=Status.QUEUED, queued_at=now
        )
        job.refresh_from_db()
        return job
    claimed = ClientImport.objects.filter(pk=job.pk, status=Status.UPLOADED).update(
        status=Status.RUNNING, attempts=1, lease_expires_at=now + LEASE
    )
    job.refresh_from_db()
    if not claimed:
        return job
    try:
        rows = preview(job, request.user, request.membership)
    except csvfile.ImportFileError as error:
        _fail(job, error.message)
        return job
    caseload.save_rows(rows, request.user, request.membership, request=request)
    ClientImport.objects.filter(pk=job.pk).update(
        **_record(job, rows), status=Status.DONE, finished_at=now, lease_expires_at=None
    )
    _delete_file_on_commit(job)
    job.refresh_from_db()
    logger.info("client import %s done: %s created", job.pk, job.created_count)
    return job


def _delete_file_on_commit(job: ClientImport) -> None:
    name = job.file_name
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def _fail(job: ClientImport, message: str) -> None:
    ClientImport.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=Status.FAILED,
        error_message=message[:300],
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    logger.warning("client import %s failed", job.pk)


# --- The background run (the task) ------------------------------------------------------------


def _claim(import_id) -> ClientImport | None:
    now = timezone.now()
    claimed = (
        ClientImport.objects.filter(pk=import_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_expires_at__lt=now))
        .update(status=Status.RUNNING, attempts=F("attempts") + 1, lease_expires_at=now + LEASE)
    )
    if not claimed:
        return None
    return ClientImport.objects.select_related("practice", "requested_by").get(pk=import_id)


def run(import_id, *, chunk: int = CHUNK) -> None:
    """Import a queued file in chunks; what the ``import_clients`` task runs.

    Safe to run any number of times: only a run that claims the row works on it, each chunk
    commits only while the claim is still its own (the attempt number), and a resumed run
    starts after the last committed chunk."""
    job = _claim(import_id)
    if job is None:
        logger.info("client import %s is claimed elsewhere or finished; nothing to do", import_id)
        return
    if job.attempts > MAX_ATTEMPTS:
        _fail(job, gettext(WORKER_LOST))
        return
    user = act_in(job.requested_by, job.practice_id)
    membership = acting_membership(user)
    if membership is None:
        _fail(job, gettext(NOT_A_MEMBER))
        return
    try:
        rows = caseload.check_rows(_table(job), user, membership, start=job.saved_rows)
    except csvfile.ImportFileError as error:
        _fail(job, error.message)
        return
    mine = ClientImport.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=job.attempts)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        with transaction.atomic():
            caseload.save_rows(part, user, membership)
            if not mine.update(**_record(job, part), lease_expires_at=timezone.now() + LEASE):
                transaction.set_rollback(True)
                logger.warning("client import %s: claim lost; chunk rolled back", job.pk)
                return
    with transaction.atomic():
        if mine.update(status=Status.DONE, finished_at=timezone.now(), lease_expires_at=None):
            _delete_file_on_commit(job)
    logger.info("client import %s done: %s created", job.pk, job.created_count)


def release(import_id) -> bool:
    """Put a running import back in the queue (its task reached its time limit); the caller
    enqueues it again and the next run resumes after the last saved chunk."""
    return bool(
        ClientImport.objects.filter(pk=import_id, status=Status.RUNNING).update(
            status=Status.QUEUED, queued_at=timezone.now(), lease_expires_at=None
        )
    )


# --- Sweeping (beat) --------------------------------------------------------------------------


def sweep(now=None) -> list[str]:
    """Ids of imports to enqueue again: queued ones whose message was lost (queued long ago) and
    running ones whose worker died (lease over), each marked so the next sweeps leave it be for
    a while. Rows that stopped ``MAX_ATTEMPTS`` times fail; uploads never confirmed within a day
    are deleted with their files."""
    now = now or timezone.now()
    dead = ClientImport.objects.filter(status=Status.RUNNING, lease_expires_at__lt=now)
    dead.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED,
        error_message=gettext(WORKER_LOST),
        finished_at=now,
        lease_expires_at=None,
    )
    revived = [str(pk) for pk in dead.values_list("pk", flat=True)]
    dead.update(status=Status.QUEUED, queued_at=now, lease_expires_at=None)
    stuck = ClientImport.objects.filter(
        status=Status.QUEUED, queued_at__lt=now - QUEUED_STUCK_AFTER
    )
    lost = [str(pk) for pk in stuck.values_list("pk", flat=True)]
    stuck.filter(pk__in=lost).update(queued_at=now)
    abandoned = ClientImport.objects.filter(
        status=Status.UPLOADED, created_at__lt=now - UPLOAD_KEPT
    )
    for job in abandoned:
        if job.file_name:
            default_storage.delete(job.file_name)
        job.delete()
    if revived or lost:
        logger.warning(
            "re-enqueued %s client import(s): %s from dead workers, %s lost messages",
            len(revived) + len(lost),
            len(revived),
            len(lost),
        )
    return revived + lost
