"""Report pages: request a report, watch it render, download, retry or delete it; the owner's
batches of reports for many clients.

Pages follow pretix's progress pages: the POST creates the report and redirects to its page,
which polls a small fragment (``report_status``) with HTMX and, without JavaScript, reloads itself.
Downloads go only through ``report_download``: authenticated, scoped, audited, never cached.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clients.models import Report, ReportBatch
from clients.models.reports import safe_file_name
from clients.reports import batches, services, storage
from clients.reports.forms import BatchRequestForm, ReportRequestForm
from clients.views.records import visible_client
from practice import audit
from practice.models import AuditAction
from practice.permissions import member_required, owner_required
from practice.views.confirm import Confirmation, ask

POLL_SECONDS = 2
RELOAD_SECONDS = 5  # without JavaScript the page reloads itself, more gently


def _report(request, pk, report_pk) -> Report:
    """The report ``report_pk`` of client ``pk``, if the user may see the client; else 404."""
    client = visible_client(request, pk)
    report = get_object_or_404(Report.objects.filter(client=client), pk=report_pk)
    report.client = client
    return report


def _next_or(request, fallback):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@member_required
def report_request(request, pk):
    client = visible_client(request, pk)
    form = ReportRequestForm(request.POST or None, practice=client.practice)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.request_report(request.user, client, form.options(), request=request)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("clients:report_detail", pk=client.pk, report_pk=report.pk)
    return render(
        request,
        "clients/reports/request.html",
        {"client": client, "form": form},
        status=400 if form.errors else 200,
    )


@member_required
def report_detail(request, pk, report_pk):
    report = _report(request, pk, report_pk)
    audit.record(request, AuditAction.VIEW, report)
    services.mark_seen(request.user, [report])
    return render(request, "clients/reports/detail.html", _status_context(request, report))


@member_required
def report_status(request, pk, report_pk):
    """The status fragment the progress page polls; not audited (the page view was)."""
    report = _report(request, pk, report_pk)
    if not request.htmx:
        return redirect("clients:report_detail", pk=pk, report_pk=report.pk)
    services.mark_seen(request.user, [report])
    return render(request, "clients/reports/_status.html", _status_context(request, report))


def _status_context(request, report: Report) -> dict:
    return {
        "client": report.client,
        "report": report,
        "poll_seconds": POLL_SECONDS,
        "reload_seconds": RELOAD_SECONDS,
        "can_delete": services.can_delete(request.user, request.membership, report),
    }


@never_cache
@member_required
def report_download(request, pk, report_pk):
    report = _report(request, pk, report_pk)
    opened = storage.open_file(report)
    if opened is None:
        raise Http404(_("This report has no file to download. Generate it again."))
    services.record_download(request, report)
    return FileResponse(
        opened, as_attachment=True, filename=report.download_name, content_type="application/pdf"
    )


@member_required
@require_POST
def report_retry(request, pk, report_pk):
    report = _report(request, pk, report_pk)
    try:
        services.retry_report(request.user, report, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report is queued again."))
    return _next_or(request, report_detail_url(report))


@member_required
def report_delete(request, pk, report_pk):
    """GET asks, POST deletes the report's file and row."""
    report = _report(request, pk, report_pk)
    if not services.can_delete(request.user, request.membership, report):
        raise PermissionDenied(
            _(
                "Only whoever requested the report, the client's primary clinician or an owner can "
                "delete it."
            )
        )
    if request.method == "POST":
        services.delete_report(request.user, request.membership, report, request=request)
        messages.success(request, _("The report was deleted."))
        return _next_or(request, reverse("clients:detail", args=[report.client_id]))
    audit.record(request, AuditAction.VIEW, report)
    return ask(
        request,
        Confirmation(
            title=_("Delete the report for %(name)s?") % {"name": report.client.full_name},
            consequences=[
                _(
                    "The PDF for %(start)s to %(end)s, report number %(number)s, is deleted and "
                    "cannot be downloaded again."
                )
                % {
                    "start": date_format(report.period_start, "j M Y"),
                    "end": date_format(report.period_end, "j M Y"),
                    "number": report.short_id,
                },
                _("You can request a new report for the same period at any time."),
            ],
            button=_("Delete the report"),
            cancel_url=report_detail_url(report),
            hidden={"next": request.GET["next"]} if request.GET.get("next") else {},
        ),
    )


def report_detail_url(report: Report) -> str:
    return reverse("clients:report_detail", args=[report.client_id, report.pk])


@member_required
def my_reports(request):
    """The reports and batches the user asked for, newest first: where the header's
    notification leads. Seeing them here clears the notification."""
    reports = list(
        Report.objects.visible_to(request.user)
        .filter(requested_by=request.user, batch__isnull=True)
        .select_related("client", "practice")[:50]
    )
    my_batches = list(
        ReportBatch.objects.visible_to(request.user).filter(requested_by=request.user)[:10]
    )
    audit.record_list(request, "report", request.practice)
    services.mark_seen(request.user, reports)
    for batch in my_batches:
        batches.mark_batch_seen(request.user, batch)
    return render(request, "clients/reports/mine.html", {"reports": reports, "batches": my_batches})


# --- Batches (owners) ---------------------------------------------------------------------------


def _batch(request, batch_pk) -> ReportBatch:
    return get_object_or_404(ReportBatch.objects.visible_to(request.user), pk=batch_pk)


@owner_required
def batch_request(request):
    # The dashboard links here with its filter: ?scope=practice|mine|clinician&clinician=<id>.
    initial = {key: request.GET[key] for key in ("scope", "clinician") if request.GET.get(key)}
    form = BatchRequestForm(request.POST or None, practice=request.practice, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batches.request_batch(
                request.user,
                request.practice,
                form.clients(request.user),
                form.scope_label(),
                form.options(),
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("clients:batch_detail", batch_pk=batch.pk)
    return render(
        request,
        "clients/reports/batch_request.html",
        {"form": form, "max_clients": batches.MAX_BATCH_CLIENTS},
        status=400 if form.errors else 200,
    )


def _batch_context(batch: ReportBatch) -> dict:
    reports = (
        Report.objects.filter(batch=batch)
        .select_related("client")
        .order_by("client__full_name", "pk")
    )
    progress = batches.batch_progress(batch)
    return {
        "batch": batch,
        "progress": progress,
        "failed": [r for r in reports if r.status == Report.Status.FAILED],
        "ready": [r for r in reports if r.status == Report.Status.READY],
        "finished": progress["done"] == progress["total"],
        "poll_seconds": POLL_SECONDS,
        "reload_seconds": RELOAD_SECONDS,
    }


@owner_required
def batch_detail(request, batch_pk):
    batch = _batch(request, batch_pk)
    audit.record_list(request, "report", request.practice)
    context = _batch_context(batch)
    if context["finished"]:
        batches.mark_batch_seen(request.user, batch)
    return render(request, "clients/reports/batch_detail.html", context)


@never_cache
@owner_required
def batch_download(request, batch_pk):
    """Every ready PDF of the batch in one ZIP file, each under its download name. Each
    report is audited as downloaded, as one download of it would be."""
    batch = _batch(request, batch_pk)
    ready = list(
        Report.objects.filter(batch=batch, status=Report.Status.READY)
        .select_related("client")
        .order_by("client__full_name", "pk")
    )
    archive = batches.zip_reports(ready)
    if archive is None:
        raise Http404(_("No report of this batch is ready to download."))
    for report in ready:
        services.record_download(request, report)
    name = f"Reports - {safe_file_name(batch.scope)} - {batch.created_at:%Y-%m-%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


@owner_required
def batch_status(request, batch_pk):
    batch = _batch(request, batch_pk)
    if not request.htmx:
        return redirect("clients:batch_detail", batch_pk=batch.pk)
    context = _batch_context(batch)
    if context["finished"]:
        batches.mark_batch_seen(request.user, batch)
    return render(request, "clients/reports/_batch_status.html", context)


@owner_required
@require_POST
def batch_retry(request, batch_pk):
    batch = _batch(request, batch_pk)
    count = batches.retry_failed(request.user, batch, request=request)
    messages.success(
        request,
        ngettext("%(count)d report queued again.", "%(count)d reports queued again.", count)
        % {"count": count},
    )
    return redirect("clients:batch_detail", batch_pk=batch.pk)
