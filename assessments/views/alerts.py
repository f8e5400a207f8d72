"""The alert page: what was raised, its history (who was told, when; who acknowledged, with
what action), the acknowledge form, and the worksheet the alert rule offers (the safety plan for
PHQ-9 item 9). Every alert is found through ``visible_to(user)``: outside the user's scope is
404. Reading the page is audited as a view of the client's record."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from assessments import services
from assessments.alert_forms import AlertAcknowledgeForm
from assessments.models import Alert
from assessments.services import alerts as alert_service
from practice import audit
from practice.dashboard import progress
from practice.models import AuditAction
from practice.permissions import member_required


def _alert(request, pk) -> Alert:
    return get_object_or_404(
        Alert.objects.visible_to(request.user).select_related(
            "client__practice",
            "practice",
            "response__instrument",
            "response__instrument_version",
            "acknowledged_by",
        ),
        pk=pk,
    )


def _offered(alert: Alert):
    """The worksheet the alert's rule offers, when the practice may assign it (else None), and
    the rule's code for it either way."""
    code = alert.rule.get("offer", "")
    if not code:
        return None, ""
    found = services.usable_instruments(alert.practice).filter(code=code).first()
    return found, code


def _page(request, alert: Alert, form, status=200):
    offered, offer_code = _offered(alert)
    return render(
        request,
        "assessments/alert_detail.html",
        {
            "alert": alert,
            "client": alert.client,
            "form": form,
            "events": alert.events.select_related("person", "email"),
            "offered": offered,
            "offer_code": offer_code,
            "overdue_hours": alert_service.escalation_hours(alert.practice),
        },
        status=status,
    )


@member_required
@require_http_methods(["GET", "HEAD"])
def alert_detail(request, pk):
    alert = _alert(request, pk)
    audit.record(request, AuditAction.VIEW, alert)
    return _page(request, alert, AlertAcknowledgeForm())


@member_required
@require_POST
def alert_acknowledge(request, pk):
    """Acknowledge with the action taken; the form again (400) when the action is missing, or
    "other" has no note."""
    alert = _alert(request, pk)
    form = AlertAcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            alert_service.acknowledge_alert(
                request.user,
                alert,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            progress.refresh_client_progress(alert.client_id)  # the dashboard's open alerts
            messages.success(request, gettext("Alert acknowledged."))
            return redirect("assessments:alert_detail", pk=alert.pk)
    return _page(request, alert, form, status=400)


@member_required
@require_POST
def alert_offer(request, pk):
    """Send the client the worksheet the alert's rule offers (the safety plan), now."""
    alert = _alert(request, pk)
    offered, _ = _offered(alert)
    if offered is None:
        messages.error(request, gettext("That worksheet is not cleared for use in this practice."))
        return redirect("assessments:alert_detail", pk=alert.pk)
    try:
        services.assign(
            request.user, alert.client, [offered], services.Plan(send_now=True), request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:alert_detail", pk=alert.pk)
    progress.refresh_client_progress(alert.client_id)
    messages.success(request, gettext("%(name)s sent to the client.") % {"name": offered.name})
    return redirect(reverse("clients:detail", args=[alert.client_id]) + "#questionnaires")
