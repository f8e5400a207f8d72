"""A client's timeline: session notes, reports and questionnaires (links sent, answers, alerts)
interleaved newest first, as the client page and the timeline page show it.

Each floor supplies its own provider (``clients.notes.SessionTimeline``,
``clients.reports.timeline.ReportTimeline``, ``assessments.timeline.AssessmentTimeline``); this
module, on the top floor, names them in order and lets ``clients.notes`` merge them. Like every
provider, each answers ``count`` and ``newest`` in a fixed number of queries, through
``visible_to(user)``.
"""

from django.core.paginator import Page

from assessments.timeline import AssessmentTimeline
from clients import notes
from clients.models import Client
from clients.reports.timeline import ReportTimeline

# Merged in this order when two entries share a time.
PROVIDERS = (notes.SessionTimeline, ReportTimeline, AssessmentTimeline)


def _providers():
    return [provider() for provider in PROVIDERS]


def newest_entries(user, client: Client, limit: int) -> tuple[list[notes.TimelineEntry], bool]:
    """The ``limit`` newest timeline entries and whether there are more (the client page)."""
    return notes.newest_entries(_providers(), user, client, limit)


def timeline(user, client: Client, page=1, per_page: int = 20) -> Page:
    """One page of ``client``'s timeline as ``user`` may see it (the timeline page)."""
    return notes.timeline_page(_providers(), user, client, page, per_page)
