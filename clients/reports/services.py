"""PDF reports: request them, render them in the background, hand them over, let them expire.

A report is a ``Report`` row first (queued, with its parameters); ``render_report`` (the Celery
task) gets only its id, enqueued when the request's transaction commits. The task is declared
here, beside ``render``, so that requesting and sweeping can enqueue it without importing the
tasks module above them; its registered name stays ``clients.tasks.render_report`` (the queue
route and the workers know it by that name, and ``clients.tasks`` re-exports it).

- ``request_report`` / ``request_batch`` validate and store the request, audit it and enqueue.
- ``render`` (what the task runs) claims the row with a compare-and-set, gathers the content,
  lays out the PDF in a bounded child process (``clients.reports.pdf``), stores it in the
  default storage and marks the row ready (emitting the ``report.ready`` webhook in the same
  transaction), in that order. Re-delivered messages find the row claimed or finished and do
  nothing; a finished render whose claim was lost removes its file,
  so one report never has two. Transient trouble (database, storage) puts the row back in the
  queue and raises ``TransientReportError`` for the task to retry with backoff; anything else
  marks it failed with a message safe to show.
- ``sweep`` (beat, every minute) re-enqueues rows whose worker died (rendering past its lease)
  or whose message was lost (queued long past due). ``expire`` (beat, hourly) deletes files
  past the practice's retention and marks the rows expired.

Logs name reports by id only: never a client, a score or a note.
"""

import datetime
import logging
import time
import traceback
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from assessments.models import Instrument, Response
from clients.models import Client, Report, ReportBatch
from clients.reports import content as report_content
from clients.reports import pdf, storage
from clients.reports.unseen import unseen, unseen_count, unseen_total  # noqa: F401 (callers')
from clients.services import can_manage
from practice import audit, webhooks
from practice.models import AuditAction, Membership, Practice
from practice.queue import enqueue_on_commit

logger = logging.getLogger(__name__)
Status = Report.Status

MAX_ATTEMPTS = 4
"""Claims of one report before it is marked failed (worker deaths and transient errors)."""
RETRY_BACKOFF = 20
"""Seconds before the first retry of a transient failure; doubled each time, with jitter."""
RETRY_BACKOFF_MAX = 10 * 60
QUEUED_STUCK_AFTER = timedelta(minutes=10)
"""How long past due a queued row waits before the sweeper decides its message was lost."""
SWEEP_BATCH = 500
MAX_PENDING_PER_USER = 20
MAX_PERIOD_DAYS = 366 * 10

# Kept on the report for the person who asked: marked here, translated by _fail in the language
# active then (the default one in the task).
NOT_ALLOWED = gettext_noop(
    "The person who requested this report can no longer see this client's record, so it was "
    "not generated."
)
GENERIC_FAILURE = gettext_noop(
    "Something went wrong while generating this report. Try again; if it fails again, tell "
    "your administrator (quote the report number)."
)
WORKER_LOST = gettext_noop(
    "The report stopped several times while it was being generated. Try again; if it fails "
    "again, tell your administrator (quote the report number)."
)
TEMPORARY_FAILURE = gettext_noop(
    "A temporary problem (database or file storage) stopped this report several times. "
    "Try again in a few minutes."
)
TRANSIENT_ERRORS = (OperationalError, InterfaceError, *storage.STORAGE_ERRORS)


class TransientReportError(Exception):
    """A temporary problem; the task retries. Carries the error's class name only."""


def render_seconds() -> int:
    return settings.REPORT_RENDER_SECONDS


def task_soft_time_limit() -> int:
    """Seconds before the task is asked to stop: the render's own bound plus gathering and
    storing."""
    return render_seconds() + 30


def task_time_limit() -> int:
    return render_seconds() + 60


def lease() -> timedelta:
    """How long a claim lasts: past the task's hard time limit its worker is gone."""
    return timedelta(seconds=task_time_limit() + 60)


def retry_delay(attempts: int) -> int:
    return min(RETRY_BACKOFF * 2 ** max(attempts - 1, 0), RETRY_BACKOFF_MAX)


# --- Requesting -------------------------------------------------------------------------------


@dataclass
class ReportOptions:
    """What a clinician asks for, as parsed by a form or serializer. A period left out (the API
    allows it) is the client's whole history: see ``whole_history``."""

    period_start: datetime.date | None
    period_end: datetime.date | None
    audience: str = Report.Audience.CLINICAL
    instruments: list[str] = field(default_factory=list)
    include_notes: bool = False


def default_period(practice: Practice) -> tuple[datetime.date, datetime.date]:
    """The last year up to today, in the practice's time zone."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(practice.time_zone)).date()
    return today - timedelta(days=365), today


def whole_history(
    client: Client, end: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The period a report covers when none is given, as the progress page shows by default:
    from the client's first administration (or the day they were added, if earlier or there is
    none) to ``end``, by default today in the practice's time zone."""
    end = end or default_period(client.practice)[1]
    zone = zoneinfo.ZoneInfo(client.effective_time_zone)
    first = (
        Response.objects.filter(client=client)
        .order_by("submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    days = [client.created_at.astimezone(zone).date(), end]
    if first is not None:
        days.append(first.astimezone(zone).date())
    return min(days), end


def instrument_choices(practice: Practice) -> list[tuple[str, str]]:
    """(code, name) of the instruments the practice can see, for the request forms."""
    return [
        (code, name)
        for code, name in Instrument.objects.available_to(practice)
        .order_by("name")
        .values_list("code", "name")
    ]


def clean_options(practice: Practice, options: ReportOptions) -> ReportOptions:
    """Check ``options``; raise ``ValidationError`` with a message per field."""
    errors: dict[str, str] = {}
    if options.audience not in Report.Audience.values:
        errors["audience"] = gettext("Choose a clinical record or a client-friendly report.")
    start, end = options.period_start, options.period_end
    if start > end:
        errors["period_end"] = gettext("The period must end on or after the day it starts.")
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["period_start"] = gettext("A report covers at most ten years; choose a later start.")
    elif start.year < 1900:
        errors["period_start"] = gettext("Check the year of the start date.")
    codes = list(dict.fromkeys(options.instruments or []))
    known = {code for code, _name in instrument_choices(practice)}
    unknown = sorted(set(codes) - known)
    if unknown:
        errors["instruments"] = gettext("Unknown instrument: %(codes)s.") % {
            "codes": ", ".join(unknown)
        }
    if errors:
        raise ValidationError(errors)
    include_notes = options.include_notes and options.audience == Report.Audience.CLINICAL
    return ReportOptions(start, end, options.audience, codes, include_notes)


def _enqueue(report_id) -> None:
    enqueue_on_commit(render_report, str(report_id))


@transaction.atomic
def request_report(actor, client: Client, options: ReportOptions, *, request=None) -> Report:
    """Store a report request for ``client`` by ``actor`` and enqueue it on commit.

    The caller has already found ``client`` through ``Client.objects.visible_to(actor)``. A
    start left out is the start of the client's whole history, an end left out today.
    """
    if options.period_start is None or options.period_end is None:
        start, end = whole_history(client, options.period_end)
        options = replace(options, period_start=options.period_start or start, period_end=end)
    options = clean_options(client.practice, options)
    pending = Report.objects.unfinished().filter(requested_by=actor, batch__isnull=True)
    if pending.count() >= MAX_PENDING_PER_USER:
        raise ValidationError(
            gettext(
                "You have %(count)s reports waiting to be generated. Wait for some "
                "to finish, then ask again."
            )
            % {"count": MAX_PENDING_PER_USER}
        )
    report = Report.objects.create(
        practice=client.practice,
        client=client,
        requested_by=actor,
        audience=options.audience,
        period_start=options.period_start,
        period_end=options.period_end,
        instruments=options.instruments,
        include_notes=options.include_notes,
    )
    audit.record(
        request,
        AuditAction.CREATE,
        report,
        fields=["audience", "period", "instruments", "include_notes"],
        actor=actor,
    )
    _enqueue(report.pk)
    logger.info("report %s queued", report.pk)
    return report


# --- Changing a report ------------------------------------------------------------------------


def can_delete(user, membership: Membership | None, report: Report) -> bool:
    """The requester, the client's primary clinician and the practice's owners."""
    if report.requested_by_id == user.pk:
        return True
    return membership is not None and can_manage(membership, report.client)


@transaction.atomic
def retry_report(actor, report: Report, *, request=None) -> Report:
    """Queue a failed or expired report again with the same parameters."""
    if not report.can_retry:
        raise ValidationError(gettext("Only a failed or expired report can be generated again."))
    changed = Report.objects.filter(
        pk=report.pk, status__in=[Status.FAILED, Status.EXPIRED]
    ).update(
        status=Status.QUEUED,
        attempts=0,
        progress=0,
        error_message="",
        next_attempt_at=timezone.now(),
        claimed_at=None,
        lease_expires_at=None,
        finished_at=None,
        seen_at=None,
    )
    if changed:
        if report.batch_id:
            ReportBatch.objects.filter(pk=report.batch_id).update(finished_at=None, seen_at=None)
        audit.record(request, AuditAction.UPDATE, report, fields=["status"], actor=actor)
        _enqueue(report.pk)
    report.refresh_from_db()
    return report


@transaction.atomic
def delete_report(actor, membership, report: Report, *, request=None) -> None:
    """Delete the report's file and row. A render still running finds the row gone and removes
    what it wrote."""
    if not can_delete(actor, membership, report):
        raise PermissionDenied(
            gettext(
                "Only whoever requested the report, the client's primary clinician or an owner can "
                "delete it."
            )
        )
    audit.record(request, AuditAction.DELETE, report, fields=["file"], actor=actor)
    Report.objects.filter(pk=report.pk).delete()
    transaction.on_commit(lambda: storage.delete_files(report))


def mark_seen(user, reports) -> None:
    """The requester has seen these finished reports: they leave the notification count."""
    ids = [r.pk for r in reports if r.requested_by_id == user.pk and r.is_finished]
    if ids:
        Report.objects.filter(pk__in=ids, seen_at__isnull=True).update(seen_at=timezone.now())


def record_download(request, report: Report) -> None:
    audit.record(request, AuditAction.EXPORT, report, fields=["file"])
    mark_seen(request.user, [report])


# --- Rendering (the task) ---------------------------------------------------------------------


def _claim(report_id) -> Report | None:
    now = timezone.now()
    claimed = (
        Report.objects.filter(pk=report_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RENDERING, lease_expires_at__lt=now))
        .update(
            status=Status.RENDERING,
            attempts=F("attempts") + 1,
            progress=5,
            error_message="",
            claimed_at=now,
            lease_expires_at=now + lease(),
        )
    )
    if not claimed:
        return None
    return Report.objects.select_related("practice", "client__practice", "requested_by").get(
        pk=report_id
    )


def _mine(report: Report):
    """The row while this claim holds it: still rendering, with our attempt number."""
    return Report.objects.filter(pk=report.pk, status=Status.RENDERING, attempts=report.attempts)


def _fail(report: Report, message: str) -> None:
    if _mine(report).update(
        status=Status.FAILED,
        error_message=gettext(message)[:300],
        finished_at=timezone.now(),
        lease_expires_at=None,
        progress=0,
    ):
        _finish_batch(report.batch_id)


def _finish_batch(batch_id) -> None:
    if batch_id and not Report.objects.unfinished().filter(batch_id=batch_id).exists():
        ReportBatch.objects.filter(pk=batch_id, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )


def render(report_id, *, source=None) -> None:
    """Generate one report; what the ``render_report`` task runs.

    Safe to run any number of times for the same id: only a run that claims a queued row (or a
    rendering row whose worker's lease ran out) works on it, and only a run that still holds
    its claim at the end marks it ready; any other run removes the file it wrote.
    """
    existing = Report.objects.filter(pk=report_id).values_list("status", flat=True).first()
    if existing is None or existing not in Report.UNFINISHED:
        return
    report = _claim(report_id)
    if report is None:
        logger.info("report %s is claimed elsewhere or finished; nothing to do", report_id)
        return
    started = time.monotonic()

    def progress(percent: int) -> None:
        _mine(report).update(progress=percent)

    try:
        with translation.override(report_content.report_language(report)):
            content = report_content.gather(report, source, progress)
            html = report_content.render_html(content)
        progress(60)
        stored, size, pages = storage.render_to_storage(report, html)
    except report_content.ReportNotAllowed:
        _fail(report, NOT_ALLOWED)
        logger.warning("report %s failed: requester can no longer see the client", report.pk)
        return
    except pdf.RenderError as exc:
        _fail(report, exc.message)
        logger.warning("report %s failed: %s %s", report.pk, type(exc).__name__, exc.detail)
        return
    except SoftTimeLimitExceeded:
        _fail(report, pdf.RenderTooSlow.message)
        logger.warning("report %s failed: task soft time limit", report.pk)
        return
    except TRANSIENT_ERRORS as exc:
        _transient(report, exc)
        return  # pragma: no cover - _transient raises
    except Exception as exc:
        _fail(report, GENERIC_FAILURE)
        # Frames only: an exception's message may quote the data it choked on.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error("report %s failed: %s\n%s", report.pk, type(exc).__name__, frames)
        return

    finished_at = timezone.now()
    with transaction.atomic():  # the practice's webhooks hear of it exactly when it is ready
        finished = _mine(report).update(
            status=Status.READY,
            progress=100,
            file_name=stored,
            file_size=size,
            page_count=pages,
            finished_at=finished_at,
            lease_expires_at=None,
        )
        if finished:
            webhooks.emit(
                report.practice_id,
                webhooks.REPORT_READY,
                report_id=report.pk,
                client_id=report.client_id,
                finished_at=finished_at,
            )
    if not finished:
        # Deleted meanwhile, or claimed by another worker after our lease ran out.
        default_storage.delete(stored)
        logger.warning("report %s: claim lost before finishing; file removed", report.pk)
        return
    storage.delete_files(report, keep=stored)  # what an earlier, abandoned attempt may have left
    _finish_batch(report.batch_id)
    logger.info(
        "report %s ready: %s pages, %s bytes in %.2fs",
        report.pk,
        pages,
        size,
        time.monotonic() - started,
    )


def _transient(report: Report, exc: BaseException) -> None:
    error = type(exc).__name__
    if report.attempts >= MAX_ATTEMPTS:
        _fail(report, TEMPORARY_FAILURE)
        logger.error("report %s failed after %s attempts: %s", report.pk, report.attempts, error)
        return
    _mine(report).update(
        status=Status.QUEUED,
        progress=0,
        next_attempt_at=timezone.now() + timedelta(seconds=retry_delay(report.attempts)),
        lease_expires_at=None,
    )
    logger.warning(
        "report %s: attempt %s failed (%s); will retry", report.pk, report.attempts, error
    )
    raise TransientReportError(error) from None


@shared_task(
    name="clients.tasks.render_report",  # its name since it was declared there
    autoretry_for=(TransientReportError,),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    # The row's attempt count decides when to give up (MAX_ATTEMPTS); this is a backstop.
    max_retries=MAX_ATTEMPTS,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=task_soft_time_limit(),
    time_limit=task_time_limit(),
)
def render_report(report_id: str) -> None:
    """Generate one queued report. Running it twice for the same id renders it once."""
    render(report_id)


# --- Sweeping and expiry (beat) ---------------------------------------------------------------


def sweep(now: datetime.datetime | None = None) -> list:
    """Re-enqueue reports whose worker died or whose message was lost; what beat runs.

    A rendering row past its lease belonged to a worker that is gone (killed, out of memory,
    machine lost): it goes back to the queue, or fails once it has used its attempts. A queued
    row long past due lost its message (the broker was down at commit, or lost it). Each
    re-enqueued row's due time moves to now, so the next sweeps leave it alone for a while.
    """
    now = now or timezone.now()
    dead = Report.objects.filter(status=Status.RENDERING, lease_expires_at__lt=now)
    for report in dead.filter(attempts__gte=MAX_ATTEMPTS).only("pk", "batch_id"):
        if Report.objects.filter(
            pk=report.pk, status=Status.RENDERING, lease_expires_at__lt=now
        ).update(
            status=Status.FAILED,
            error_message=gettext(WORKER_LOST),
            finished_at=now,
            lease_expires_at=None,
            progress=0,
        ):
            _finish_batch(report.batch_id)
            logger.error("report %s failed: its worker stopped %s times", report.pk, MAX_ATTEMPTS)
    revived = list(dead.values_list("pk", flat=True)[:SWEEP_BATCH])
    if revived:
        Report.objects.filter(
            pk__in=revived, status=Status.RENDERING, lease_expires_at__lt=now
        ).update(status=Status.QUEUED, progress=0, lease_expires_at=None, next_attempt_at=now)
    lost = list(
        Report.objects.filter(status=Status.QUEUED, next_attempt_at__lt=now - QUEUED_STUCK_AFTER)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if lost:
        Report.objects.filter(pk__in=lost, status=Status.QUEUED).update(next_attempt_at=now)
    ids = revived + lost
    for report_id in ids:
        enqueue_on_commit(render_report, str(report_id))
    if ids:
        logger.warning(
            "re-enqueued %s report(s): %s from dead workers, %s lost messages",
            len(ids),
            len(revived),
            len(lost),
        )
    storage.clear_partials(now)
    return ids


def expire(now: datetime.datetime | None = None) -> int:
    """Delete the files of ready reports older than their practice's retention and mark the
    rows expired; what beat runs. A shorter retention applies to existing reports too."""
    now = now or timezone.now()
    expired = 0
    retentions = Practice.objects.filter(reports__status=Status.READY).values_list(
        "report_retention_days", flat=True
    )
    for days in set(retentions):
        due = Report.objects.filter(
            status=Status.READY,
            practice__report_retention_days=days,
            finished_at__lt=now - timedelta(days=days),
        ).select_related("practice")
        for report in due[:SWEEP_BATCH]:
            if Report.objects.filter(pk=report.pk, status=Status.READY).update(
                status=Status.EXPIRED, file_name="", file_size=None
            ):
                expired += 1
                try:
                    storage.delete_files(report)
                except storage.STORAGE_ERRORS as exc:
                    logger.error(
                        "report %s expired; deleting its file failed: %s",
                        report.pk,
                        type(exc).__name__,
                    )
    if expired:
        logger.info("expired %s report(s)", expired)
    return expired
