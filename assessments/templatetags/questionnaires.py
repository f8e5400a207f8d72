"""``{% client_questionnaires client %}`` (the client page's results, assignments and links),
``{% client_open_alerts client %}`` (its open alerts, at the top of the page) and
``{% open_alerts_panel %}`` (the dashboard's open alerts), so the pages that show them need no
view changes. Each reads through ``services.overview`` in a fixed number of queries."""

from django import template

from assessments.models import Occasion
from assessments.services import overview
from practice.dashboard.caseload import url_maker as _url_maker

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


@register.inclusion_tag("assessments/_client_alerts.html", takes_context=True)
def client_open_alerts(context, client):
    """The client's open alerts, shown first on their page so acknowledging needs no scroll."""
    return {
        "client": client,
        "data": {"open_alerts": list(overview.open_alerts_for(context["request"].user, client))},
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }


# The dashboard's panel shows this many alerts, newest first, and links to every client with
# an open alert when there are more.
PANEL_ALERTS = 5


@register.inclusion_tag("assessments/_open_alerts.html", takes_context=True)
def open_alerts_panel(context):
    request = context["request"]
    # The dashboard passes the caseload it shows, so the panel follows the chosen scope.
    alerts = overview.open_alerts(
        request.user, request.membership, PANEL_ALERTS + 1, context.get("alert_clients")
    )
    client_url = _url_maker("clients:detail")
    detail_url = _url_maker("assessments:alert_detail")
    answers_url = _url_maker("assessments:response_detail")
    for alert in alerts:
        alert.client_url = client_url(alert.client_id)
        alert.detail_url = detail_url(alert.pk)
        alert.answers_url = answers_url(alert.response_id)
    return {
        "alerts": alerts[:PANEL_ALERTS],
        "more": len(alerts) > PANEL_ALERTS,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
