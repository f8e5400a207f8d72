"""Getting your data out: CSV scores (one client, a caseload, the practice) streamed at once, and
archives (a client's full record; the whole practice, owners only) built in the background.

Archives follow the report pages: the POST creates the job and redirects to its page, which
polls a small fragment (``export_status``) with HTMX and, without JavaScript, reloads itself.
Downloads go only through ``export_download``: authenticated, scoped, audited, never cached.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clients.exports import scores
from clients.exports import services as exports
from clients.exports.spreadsheet import csv_response
from clients.models import Client, ExportJob
from clients.services import practice_clinicians
from clients.views.records import visible_client
from practice import audit
from practice.models import AuditAction
from practice.permissions import member_required, owner_required

POLL_SECONDS = 2
RELOAD_SECONDS = 5


def stream_scores(request, clients, filename: str, *, only=None):
    """The score rows of ``clients`` (already scoped) as a streamed CSV; each client whose rows
    are written is audited as an export, chunk by chunk as the stream reaches it."""

    def audited(chunk):
        audit.record_clients(
            request, AuditAction.EXPORT, request.practice, [c.pk for c in chunk], fields=["scores"]
        )

    rows = scores.score_rows(request.user, clients, only=only, on_clients=audited)
    return csv_response(filename, scores.COLUMNS, rows)


@never_cache
@member_required
def client_scores(request, pk):
    """One client's scores as CSV."""
    client = visible_client(request, pk)
    clients = Client.objects.visible_to(request.user).filter(pk=client.pk)
    return stream_scores(request, clients, f"scores-{client.pk.hex[:8]}.csv")


@never_cache
@member_required
def caseload_scores(request):
    """The scores of every client the user sees in the current practice: a clinician's
    caseload (their own and shared clients), or for an owner the whole practice. Owners may
    narrow it to one clinician's caseload with ``?clinician=<user id>``."""
    clients = Client.objects.visible_to(request.user).filter(practice=request.practice)
    clinician = request.GET.get("clinician", "")
    if clinician:
        if not clinician.isdigit() or len(clinician) > 18:
            raise Http404(gettext("No such clinician."))
        clients = clients.filter(primary_clinician_id=int(clinician))
    day = timezone.localdate().isoformat()
    return stream_scores(request, clients, f"scores-{day}.csv")


def _job(request, job_pk) -> ExportJob:
    return get_object_or_404(
        ExportJob.objects.visible_to(request.user).select_related("client", "practice"),
        pk=job_pk,
    )


@member_required
def client_export(request, pk):
    """GET says what a client's full record holds; POST queues the archive."""
    client = visible_client(request, pk)
    if request.method == "POST":
        job = exports.request_client_export(request.user, client, request=request)
        return redirect("clients:export_detail", job_pk=job.pk)
    audit.record(request, AuditAction.VIEW, client)
    return render(request, "clients/exports/client.html", {"client": client})


@owner_required
def practice_export(request):
    """The owner's page: CSV of the practice's scores, each clinician's caseload, and the
    archive of everything, with the practice's recent archives. POST queues a new one."""
    if request.method == "POST":
        job = exports.request_practice_export(request.user, request.membership, request=request)
        return redirect("clients:export_detail", job_pk=job.pk)
    jobs = ExportJob.objects.visible_to(request.user).filter(kind=ExportJob.Kind.PRACTICE)[:10]
    audit.record_list(request, "exportjob", request.practice)
    return render(
        request,
        "clients/exports/practice.html",
        {"jobs": jobs, "clinicians": practice_clinicians(request.practice)},
    )


def _status_context(job: ExportJob) -> dict:
    return {"job": job, "poll_seconds": POLL_SECONDS, "reload_seconds": RELOAD_SECONDS}


@member_required
def export_detail(request, job_pk):
    job = _job(request, job_pk)
    audit.record(request, AuditAction.VIEW, job, client_id=job.client_id)
    return render(request, "clients/exports/detail.html", _status_context(job))


@member_required
def export_status(request, job_pk):
    """The status fragment the progress page polls; not audited (the page view was)."""
    job = _job(request, job_pk)
    if not request.htmx:
        return redirect("clients:export_detail", job_pk=job.pk)
    return render(request, "clients/exports/_status.html", _status_context(job))


@never_cache
@member_required
def export_download(request, job_pk):
    job = _job(request, job_pk)
    opened = exports.open_file(job)
    if opened is None:
        raise Http404(gettext("This export has no file to download. Ask for it again."))
    exports.record_download(request, job)
    return FileResponse(
        opened, as_attachment=True, filename=job.download_name, content_type="application/zip"
    )


@member_required
@require_POST
def export_again(request, job_pk):
    """Queue the same archive again (after it failed or expired)."""
    job = _job(request, job_pk)
    if job.kind == ExportJob.Kind.CLIENT:
        client = visible_client(request, job.client_id)
        new = exports.request_client_export(request.user, client, request=request)
    else:
        new = exports.request_practice_export(request.user, request.membership, request=request)
    return redirect("clients:export_detail", job_pk=new.pk)
