"""Import pages: a caseload from CSV (upload, preview, confirm, progress) and past
questionnaire administrations (check, import).

The upload stores the file and redirects to the import's page, which previews every row with
its errors; nothing is saved until the person confirms. A small file is saved in the confirming
request; a large one is imported by a Celery task while the page polls a small fragment
(``import_status``) with HTMX and, without JavaScript, reloads itself. An import is the
requester's own: anyone else gets 404.
"""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assessments.models import Instrument
from assessments.services import instruments as instrument_service
from clients import import_tasks
from clients.imports import administrations, caseload, csvfile, jobs
from clients.imports.forms import AdministrationsUploadForm, CsvUploadForm
from clients.models import ClientImport
from practice import audit
from practice.dashboard import progress
from practice.models import AuditAction
from practice.permissions import member_required

POLL_SECONDS = 2
RELOAD_SECONDS = 5
PREVIEW_OK_ROWS = 100
"""Valid rows listed in a preview; every refused row is listed (up to ``jobs.ERRORS_KEPT``)."""


def csv_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _job(request, import_pk) -> ClientImport:
    return get_object_or_404(
        ClientImport.objects.visible_to(request.user).select_related("practice"), pk=import_pk
    )


@member_required
def import_start(request):
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.upload(request.user, request.membership, form.cleaned_data["file"])
        except csvfile.ImportFileError as error:
            form.add_error("file", error.message)
        else:
            audit.record(request, AuditAction.CREATE, job, fields=["file"])
            return redirect("clients:import_detail", import_pk=job.pk)
    return render(
        request,
        "clients/imports/start.html",
        {
            "form": form,
            "columns": caseload.COLUMNS,
            "required": caseload.REQUIRED,
            "is_owner": request.membership.is_owner,
            "sync_rows": jobs.SYNC_ROWS,
        },
        status=400 if form.errors else 200,
    )


@member_required
def import_template(request):
    return csv_download(caseload.template(), "clients-template.csv")


def _preview_context(request, job: ClientImport) -> dict:
    try:
        rows = jobs.preview(job, request.user, request.membership)
    except csvfile.ImportFileError as error:
        return {"file_error": error.message}
    refused = [row for row in rows if not row.ok]
    valid = [row for row in rows if row.ok]
    return {
        "refused": refused[: jobs.ERRORS_KEPT],
        "valid": valid[:PREVIEW_OK_ROWS],
        "valid_count": len(valid),
        "refused_count": len(refused),
        "valid_hidden": max(len(valid) - PREVIEW_OK_ROWS, 0),
        "background": job.total_rows > jobs.SYNC_ROWS,
    }


def _status_context(job: ClientImport) -> dict:
    return {"job": job, "poll_seconds": POLL_SECONDS, "reload_seconds": RELOAD_SECONDS}


@member_required
def import_detail(request, import_pk):
    """The preview while the import waits for confirmation; its progress or outcome after."""
    job = _job(request, import_pk)
    context = _status_context(job)
    if job.status == ClientImport.Status.UPLOADED:
        context.update(_preview_context(request, job))
    return render(request, "clients/imports/detail.html", context)


@member_required
@require_POST
def import_confirm(request, import_pk):
    job = _job(request, import_pk)
    with transaction.atomic():
        job = jobs.confirm(request, job)
        audit.record(request, AuditAction.UPDATE, job, fields=["status"])
        import_tasks.start(job)
    if job.status == ClientImport.Status.DONE:
        messages.success(
            request,
            ngettext("%(count)d client imported.", "%(count)d clients imported.", job.created_count)
            % {"count": job.created_count},
        )
    return redirect("clients:import_detail", import_pk=job.pk)


@member_required
def import_status(request, import_pk):
    """The progress fragment the import's page polls; without HTMX, the page itself."""
    job = _job(request, import_pk)
    if not request.htmx:
        return redirect("clients:import_detail", import_pk=job.pk)
    return render(request, "clients/imports/_status.html", _status_context(job))


# --- Past administrations ---------------------------------------------------------------------


def _instruments(request):
    return Instrument.objects.available_to(request.practice).select_related("current_version")


@member_required
def import_administrations(request):
    """Check (nothing saved) or import a CSV of past administrations of one instrument; the
    valid rows are stored, the invalid ones listed with what is wrong."""
    instruments = _instruments(request).order_by("name")
    form = AdministrationsUploadForm(
        request.POST or None,
        request.FILES or None,
        instruments=[(instrument.code, instrument.name) for instrument in instruments],
    )
    context = {"form": form, "instruments": instruments, "max_rows": administrations.MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        instrument = instruments.get(code=form.cleaned_data["instrument"])
        try:
            instrument_service.require_usable(request.practice, instrument)
            data = csvfile.read_upload(form.cleaned_data["file"])
            table = administrations.parse(instrument, data)
        except instrument_service.InstrumentNotUsable as error:
            form.add_error("instrument", str(error))
        except csvfile.ImportFileError as error:
            form.add_error("file", error.message)
        else:
            rows = administrations.check_rows(table, request.user, instrument)
            importing = request.POST.get("action") == "import"
            saved = _save_administrations(request, rows, instrument) if importing else []
            context.update(
                instrument=instrument,
                importing=importing,
                saved_count=len(saved),
                valid=[row for row in rows if row.ok],
                refused=[row for row in rows if not row.ok],
            )
    return render(
        request,
        "clients/imports/administrations.html",
        context,
        status=400 if form.errors else 200,
    )


@transaction.atomic
def _save_administrations(request, rows, instrument) -> list:
    """Store the valid rows, then refresh each client's dashboard row (the top floor's part)."""
    saved = administrations.save_rows(rows, instrument, request=request)
    for client_id in sorted({response.client_id for response in saved}, key=str):
        progress.refresh_client_progress(client_id)
    return saved


@member_required
def import_administrations_template(request, code):
    instrument = get_object_or_404(_instruments(request), code=code)
    return csv_download(administrations.template(instrument), f"{instrument.code}-answers.csv")
