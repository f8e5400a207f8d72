"""Reports for many clients at once: an owner's batch (the whole practice, their caseload or one
clinician's, as the dashboard filters), one ``Report`` per client, followed as "n of m ready".

Each report of a batch is an ordinary report, rendered, retried and swept like any other; the
batch only groups them and is marked finished (``services._finish_batch``) when none is left
waiting.
"""

import logging
import shutil
import tempfile
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from clients.models import Client, Report, ReportBatch
from clients.reports import services, storage
from practice import audit
from practice.models import AuditAction, Membership, Practice, Role

logger = logging.getLogger(__name__)
Status = Report.Status

MAX_BATCH_CLIENTS = 500

BATCH_SCOPES = {
    "practice": "All active clients of the practice",
    "mine": "Active clients on my caseload",
}


def batch_clients(actor, practice: Practice, scope: str, clinician=None):
    """The clients a batch covers: active clients of ``practice`` that ``actor`` sees, all of
    them (``practice``), the actor's caseload (``mine``, as the dashboard shows it) or one
    clinician's (``clinician``)."""
    clients = Client.objects.visible_to(actor).filter(practice=practice).active()
    if clinician is not None:
        return clients.filter(primary_clinician=clinician)
    if scope == "mine":
        return clients.filter(Q(primary_clinician=actor) | Q(shares__clinician=actor)).distinct()
    return clients


def _require_owner(actor, practice: Practice) -> None:
    owner = Membership.objects.active().filter(user=actor, practice=practice, role=Role.OWNER)
    if not owner.exists():
        raise PermissionDenied(gettext("Only the practice's owners can request reports in bulk."))


@transaction.atomic
def request_batch(
    actor,
    practice: Practice,
    clients,
    scope_label: str,
    options: services.ReportOptions,
    *,
    request=None,
) -> ReportBatch:
    """One report per client in ``clients`` (a queryset ``batch_clients`` made), enqueued on
    commit. Owners only."""
    _require_owner(actor, practice)
    options = services.clean_options(practice, options)
    chosen = list(
        clients.order_by("full_name", "pk").values_list("pk", flat=True)[: MAX_BATCH_CLIENTS + 1]
    )
    if not chosen:
        raise ValidationError(gettext("No active clients match; nothing to generate."))
    if len(chosen) > MAX_BATCH_CLIENTS:
        raise ValidationError(
            gettext("A batch covers at most %(limit)s clients; narrow the selection.")
            % {"limit": MAX_BATCH_CLIENTS}
        )
    batch = ReportBatch.objects.create(practice=practice, requested_by=actor, scope=scope_label)
    reports = Report.objects.bulk_create(
        Report(
            practice=practice,
            client_id=client_id,
            batch=batch,
            requested_by=actor,
            audience=options.audience,
            period_start=options.period_start,
            period_end=options.period_end,
            instruments=options.instruments,
            include_notes=options.include_notes,
        )
        for client_id in chosen
    )
    for report in reports:
        audit.record(
            request,
            AuditAction.CREATE,
            report,
            fields=["audience", "period", "instruments", "include_notes", "batch"],
            actor=actor,
        )
        services._enqueue(report.pk)
    logger.info("report batch %s queued with %s reports", batch.pk, len(reports))
    return batch


def batch_progress(batch: ReportBatch) -> dict:
    """Counts per status, plus ``done`` (ready or failed) and ``total``."""
    counts = dict.fromkeys(Status.values, 0)
    for status, number in (
        Report.objects.filter(batch=batch).values_list("status").annotate(n=Count("pk"))
    ):
        counts[status] = number
    total = sum(counts.values())
    done = counts[Status.READY] + counts[Status.FAILED] + counts[Status.EXPIRED]
    return {
        **counts,
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 100,
    }


@transaction.atomic
def retry_failed(actor, batch: ReportBatch, *, request=None) -> int:
    """Queue every failed report of ``batch`` again; returns how many."""
    _require_owner(actor, batch.practice)
    failed = list(Report.objects.filter(batch=batch, status=Status.FAILED))
    for report in failed:
        services.retry_report(actor, report, request=request)
    return len(failed)


def mark_batch_seen(user, batch: ReportBatch) -> None:
    if batch.requested_by_id == user.pk and batch.finished_at and not batch.seen_at:
        ReportBatch.objects.filter(pk=batch.pk, seen_at__isnull=True).update(seen_at=timezone.now())


# --- One download of a whole batch ------------------------------------------------------------

# The ZIP is built in memory up to this size, then in a temporary file.
ZIP_IN_MEMORY = 16 * 1024 * 1024


def zip_reports(reports: list[Report]):
    """The stored PDFs of ``reports`` (ready ones) in one ZIP file, rewound for reading, each
    under its download name (the short id added where two names would clash); ``None`` when
    none of the files can be read. PDFs are compressed already, so they are stored as they are.
    A missing file is logged and left out rather than failing the whole download."""
    archive = tempfile.SpooledTemporaryFile(max_size=ZIP_IN_MEMORY)  # noqa: SIM115 (the response closes it)
    names: set[str] = set()
    added = 0
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zipped:
        for report in reports:
            opened = storage.open_file(report)
            if opened is None:
                continue
            name = report.download_name
            if name in names:
                name = f"{name.removesuffix('.pdf')} ({report.short_id}).pdf"
            names.add(name)
            with opened, zipped.open(name, "w") as member:
                shutil.copyfileobj(opened, member)
            added += 1
    if not added:
        archive.close()
        return None
    archive.seek(0)
    return archive
