"""``{% client_questionnaires page %}`` (the client page's results, assignments and links),
``{% client_open_alerts page %}`` (its open alerts, at the top of the page) and
``{% open_alerts_panel %}`` (the dashboard's open alerts). The client page's two format what
its view gathered (``practice.dashboard.client_page``) and read nothing, as does the dashboard's
panel (``practice.dashboard.caseload.panel_alerts``)."""

from django import template

from practice.dashboard.caseload import url_maker as _url_maker

register = template.Library()


@register.inclusion_tag("assessments/_client_questionnaires.html", takes_context=True)
def client_questionnaires(context, page):
    """``page``: the ``practice.dashboard.client_page.ClientPage`` the view gathered."""
    return {
        "client": page.client,
        "data": page.questionnaires,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "is_owner": context.get("is_owner"),
    }


@register.inclusion_tag("assessments/_client_alerts.html", takes_context=True)
def client_open_alerts(context, page):
    """The client's open alerts, shown first on their page so acknowledging needs no scroll."""
    return {
        "client": page.client,
        "data": {"open_alerts": page.questionnaires.open_alerts},
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }


# The dashboard's panel shows this many alerts, newest first, and links to every client with
# an open alert when there are more.
PANEL_ALERTS = 5


@register.inclusion_tag("assessments/_open_alerts.html", takes_context=True)
def open_alerts_panel(context):
    # The dashboard reads the alerts of the caseload it shows (PANEL_ALERTS + 1 of them, by its
    # own compiled-once query: practice.dashboard.caseload.panel_alerts).
    alerts = context["panel_alerts"]
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
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
