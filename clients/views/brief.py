"""The pre-session brief: "Today" (every client of the caseload with a session today) and one
client's brief, both printable. The read model is ``practice.dashboard.brief``; each client shown
is audited as a read of their record."""

import zoneinfo

from django.shortcuts import render
from django.utils import timezone

from clients.views.records import visible_client
from practice import audit
from practice.dashboard import brief
from practice.models import AuditAction
from practice.permissions import member_required


def _today(practice):
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(practice.time_zone))


@member_required
def today(request):
    """Today's clients: the user's own caseload; an owner may ask for the whole practice
    (``?scope=practice``)."""
    day = _today(request.practice)
    whole_practice = request.GET.get("scope") == "practice" and request.membership.is_owner
    clients = brief.todays_clients(
        request.user, request.membership, day, whole_practice=whole_practice
    )
    briefs = brief.client_briefs(clients, day)
    audit.record_clients(request, AuditAction.VIEW, request.practice, [b.client.pk for b in briefs])
    return render(
        request,
        "clients/brief/today.html",
        {"briefs": briefs, "day": day, "whole_practice": whole_practice},
    )


@member_required
def client_brief(request, pk):
    """One client's brief, whether or not their session is today."""
    client = visible_client(request, pk)
    day = _today(request.practice)
    briefs = brief.client_briefs([client], day)
    audit.record(request, AuditAction.VIEW, client)
    return render(
        request, "clients/brief/today.html", {"briefs": briefs, "day": day, "single": client}
    )
