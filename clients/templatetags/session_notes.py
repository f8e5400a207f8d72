"""``{% client_timeline page %}``: the newest timeline entries and note actions on the client
page, as its view gathered them (``practice.dashboard.client_page``, merged like the timeline
page's by ``practice.dashboard.timeline``'s providers)."""

from django import template

register = template.Library()


@register.inclusion_tag("clients/notes/_client_section.html")
def client_timeline(page):
    return {"client": page.client, "entries": page.timeline, "more": page.more_timeline}
