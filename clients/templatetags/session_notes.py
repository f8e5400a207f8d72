"""``{% client_timeline client %}``: the newest timeline entries and note actions on the client
page, drawn from ``practice.dashboard.timeline`` so the client page view needs no change."""

from django import template

from practice.dashboard import timeline

register = template.Library()

CLIENT_PAGE_ENTRIES = 5


@register.inclusion_tag("clients/notes/_client_section.html", takes_context=True)
def client_timeline(context, client):
    user = context["request"].user
    entries, more = timeline.newest_entries(user, client, CLIENT_PAGE_ENTRIES)
    return {"client": client, "entries": entries, "more": more}
