"""``{% client_questionnaires client %}`` (the client page's alerts, results, assignments and
links) and ``{% open_alerts_panel %}`` (the dashboard's open alerts), so the pages that show them
need no view changes. Each reads through ``services.overview`` in a fixed number of queries."""

from django import template

from assessments.models import Occasion
from assessments.services import overview

register = template.Library()


@register.inclusion_tag("assessments/_client_questionnaires.html", takes_context=True)
def client_questionnaires(context, client):
    data = overview.client_questionnaires(context["request"].user, client)
    for assignment in data.assignments:
        scheduled = [
            o for o in assignment.recent_occasions if o.status == Occasion.Status.SCHEDULED
        ]
        assignment.next_occasion = scheduled[0] if scheduled else None
    return {
        "client": client,
        "data": data,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "is_owner": context.get("is_owner"),
    }


@register.inclusion_tag("assessments/_open_alerts.html", takes_context=True)
def open_alerts_panel(context):
    request = context["request"]
    return {
        "alerts": overview.open_alerts(request.user, request.practice),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
