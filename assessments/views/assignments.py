"""Clinicians' questionnaire pages: assign to one client or many, change a schedule, resend or
revoke a link, read a response (alerts have their own page: ``views.alerts``). Every object is
found through ``visible_to(user)``: outside the user's scope is 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from assessments import services
from assessments.forms import AssignForm, AssignManyForm, AssignmentEditForm
from assessments.models import Assignment, Packet, Response
from assessments.services import packets as packet_service
from clients.models import Client
from practice import audit
from practice.dashboard import progress
from practice.models import AuditAction
from practice.permissions import member_required
from practice.views.confirm import Confirmation, ask


def _client_page(client_id) -> str:
    return reverse("clients:detail", args=[client_id]) + "#questionnaires"


def _visible_client(request, pk) -> Client:
    return get_object_or_404(
        Client.objects.visible_to(request.user).select_related("practice", "primary_clinician"),
        pk=pk,
    )


# The questionnaire services sit below the dashboard and leave its rows alone: after each one,
# these pages refresh the client's row (in the request's transaction), as the API does.


def _assign(request, client, form) -> Assignment:
    """Assign what the form chose, then refresh the client's dashboard row."""
    assignment = services.assign(
        request.user, client, form.cleaned_data["instruments"], form.plan(), request=request
    )
    progress.refresh_client_progress(client)
    return assignment


def _assign_many(request, form):
    """Assign to the chosen clients, then refresh each assigned client's dashboard row."""
    report = services.assign_many(
        request.user,
        form.cleaned_data["clients"],
        form.cleaned_data["instruments"],
        form.plan(),
        request=request,
    )
    for assignment in report.assignments:
        progress.refresh_client_progress(assignment.client_id)
    return report


def _update_assignment(request, assignment, form) -> None:
    """Change the schedule, then refresh the client's dashboard row."""
    services.update_assignment(
        request.user, assignment, form.plan(), form.cleaned_data["instruments"], request=request
    )
    progress.refresh_client_progress(assignment.client_id)


@member_required
def assign(request, client_pk):
    """Assign questionnaires to one client: now or on a schedule."""
    client = _visible_client(request, client_pk)
    form = AssignForm(
        request.POST or None,
        practice=client.practice,
        initial={"time_zone": client.effective_time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            assignment = _assign(request, client, form)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if assignment.occasions.filter(status="sent").exists():
                messages.success(
                    request,
                    gettext("Questionnaires sent to %(name)s.") % {"name": client.preferred_name},
                )
            else:
                messages.success(
                    request,
                    gettext("Schedule saved: %(schedule)s.") % {"schedule": assignment.description},
                )
            return redirect(_client_page(client.pk))
    status = 400 if form.errors else 200
    return render(
        request,
        "assessments/assign.html",
        {
            "client": client,
            "form": form,
            "unreachable": packet_service.unreachable_reason(client),
        },
        status=status,
    )


@member_required
def assign_many(request):
    """The same questionnaires for several clients of the caseload."""
    clients = (
        Client.objects.visible_to(request.user)
        .filter(practice=request.practice)
        .active()
        .order_by("full_name", "pk")
    )
    initial = {"clients": request.GET.getlist("client")} if request.method == "GET" else None
    form = AssignManyForm(
        request.POST or None, practice=request.practice, clients=clients, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = _assign_many(request, form)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if report.assignments:
                messages.success(
                    request,
                    ngettext(
                        "Assigned to %(count)d client.",
                        "Assigned to %(count)d clients.",
                        len(report.assignments),
                    )
                    % {"count": len(report.assignments)},
                )
            for _client, reason in report.skipped:
                messages.warning(request, gettext("Not assigned: %(reason)s") % {"reason": reason})
            return redirect("dashboard")
    status = 400 if form.errors else 200
    audit.record_list(request, "client", request.practice)
    return render(request, "assessments/assign_many.html", {"form": form}, status=status)


def _assignment(request, pk) -> Assignment:
    return get_object_or_404(
        Assignment.objects.visible_to(request.user).select_related("client__practice"), pk=pk
    )


@member_required
def assignment_edit(request, pk):
    assignment = _assignment(request, pk)
    client = assignment.client
    if not assignment.is_open:
        messages.error(request, gettext("This assignment has ended; assign anew."))
        return redirect(_client_page(client.pk))
    form = AssignmentEditForm(
        request.POST or None,
        practice=client.practice,
        initial={
            "instruments": list(assignment.instruments.all()),
            "when": assignment.schedule,
            "interval_weeks": assignment.interval_weeks,
            "start_date": assignment.start_date,
            "send_time": assignment.send_time,
            "time_zone": assignment.time_zone,
            "end_date": assignment.end_date,
            "max_occasions": assignment.max_occasions,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            _update_assignment(request, assignment, form)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, gettext("Schedule changed."))
            return redirect(_client_page(client.pk))
    status = 400 if form.errors else 200
    return render(
        request,
        "assessments/assignment_edit.html",
        {"assignment": assignment, "client": client, "form": form},
        status=status,
    )


def _act(request, action, client_id, success: str):
    """Run a pause, resume, end, resend or revoke; when it went through, refresh the client's
    dashboard row."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        progress.refresh_client_progress(client_id)
        messages.success(request, success)
    return redirect(_client_page(client_id))


@member_required
@require_POST
def assignment_pause(request, pk):
    assignment = _assignment(request, pk)
    return _act(
        request,
        lambda: services.pause_assignment(request.user, assignment, request=request),
        assignment.client_id,
        gettext("Schedule paused: nothing is sent until you resume it."),
    )


@member_required
@require_POST
def assignment_resume(request, pk):
    assignment = _assignment(request, pk)
    return _act(
        request,
        lambda: services.resume_assignment(request.user, assignment, request=request),
        assignment.client_id,
        gettext("Schedule resumed."),
    )


@member_required
def assignment_end(request, pk):
    """GET asks, POST ends the schedule."""
    assignment = _assignment(request, pk)
    if request.method != "POST":
        audit.record(request, AuditAction.VIEW, assignment)
        return ask(
            request,
            Confirmation(
                title=gettext("End %(name)s's schedule?")
                % {"name": assignment.client.preferred_name},
                consequences=[
                    gettext("%(schedule)s: nothing more is sent.")
                    % {"schedule": assignment.description},
                    gettext("Links already sent keep working until they expire."),
                    gettext("Ending cannot be undone; you can assign the questionnaires anew."),
                ],
                button=gettext("End the schedule"),
                cancel_url=_client_page(assignment.client_id),
            ),
        )
    return _act(
        request,
        lambda: services.end_assignment(request.user, assignment, request=request),
        assignment.client_id,
        gettext("Schedule ended. Links already sent keep working until they expire."),
    )


def _packet(request, pk) -> Packet:
    return get_object_or_404(
        Packet.objects.visible_to(request.user).select_related("client"), pk=pk
    )


@member_required
@require_POST
def invitation_resend(request, pk):
    packet = _packet(request, pk)
    return _act(
        request,
        lambda: services.resend_packet(request.user, packet, request=request),
        packet.client_id,
        gettext("A new link is on its way; the old one no longer works."),
    )


@member_required
def invitation_revoke(request, pk):
    """GET asks, POST revokes the link."""
    packet = _packet(request, pk)
    if request.method != "POST":
        audit.record(request, AuditAction.VIEW, packet)
        name = packet.client.preferred_name
        if packet.sent_at:
            title = gettext("Revoke the link sent %(date)s to %(name)s?") % {
                "date": date_format(packet.sent_at, "j M"),
                "name": name,
            }
        else:
            title = gettext("Revoke the link to %(name)s?") % {"name": name}
        return ask(
            request,
            Confirmation(
                title=title,
                consequences=[
                    gettext("The link stops working at once and no reminder is sent."),
                    gettext("Answers already saved are kept. To ask again, resend or assign anew."),
                ],
                button=gettext("Revoke the link"),
                cancel_url=_client_page(packet.client_id),
            ),
        )
    return _act(
        request,
        lambda: services.revoke_packet(request.user, packet, request=request),
        packet.client_id,
        gettext("Link revoked: it no longer works."),
    )


@member_required
def response_detail(request, pk):
    """One submitted questionnaire: every question with the client's answer, and the result."""
    response = get_object_or_404(
        Response.objects.visible_to(request.user).select_related(
            "client", "instrument", "instrument_version", "packet_item__packet"
        ),
        pk=pk,
    )
    audit.record(request, AuditAction.VIEW, response)
    return render(
        request,
        "assessments/response_detail.html",
        {
            "response": response,
            "client": response.client,
            "rows": services.responses.answer_rows(response),
            "alerts": response.alerts.select_related("acknowledged_by"),
        },
    )
