"""``{% unseen_report_count as n %}`` (the header's notification, one query whose SQL is
compiled once: ``clients.reports.unseen``), so no page view needs a change. The client page's
reports section shows what its view gathered."""

from django import template

from clients.reports import services

register = template.Library()


@register.simple_tag(takes_context=True)
def unseen_report_count(context) -> int:
    """The count, unless the view read it with its own query (``unseen_report_count``)."""
    if context.get("unseen_report_count") is not None:
        return context["unseen_report_count"]
    request = context.get("request")
    if request is None or getattr(request, "membership", None) is None:
        return 0
    return services.unseen_total(request.user)
