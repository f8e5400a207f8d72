"""``{% client_reports client as reports %}`` (the client page's reports section) and
``{% unseen_report_count as n %}`` (the header's notification), so no page view needs a change.
Each costs one query."""

from django import template

from clients.models import Report
from clients.reports import services

register = template.Library()

CLIENT_PAGE_REPORTS = 5


@register.simple_tag
def client_reports(client):
    """The client's newest reports; the caller already found ``client`` in the user's scope."""
    return list(Report.objects.filter(client=client)[:CLIENT_PAGE_REPORTS])


@register.simple_tag(takes_context=True)
def unseen_report_count(context) -> int:
    request = context.get("request")
    if request is None or getattr(request, "membership", None) is None:
        return 0
    return services.unseen(request.user).count()
