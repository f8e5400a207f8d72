"""The client timeline's building blocks: its entries, the session notes' provider, and the
merging of any providers' entries into one newest-first page.

Which providers make up the timeline is decided above this floor, by the module that knows
every floor (``practice.dashboard.timeline``: sessions, reports and questionnaires), which passes
them in; this module imports nothing from reports or questionnaires.

Named ``timelines`` rather than ``timeline`` so that the package's ``timeline()`` function, which
``clients.notes`` re-exports, does not shadow this module.
"""

import datetime
import heapq
import itertools
from dataclasses import dataclass
from operator import attrgetter

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from clients.models import Client, NoteTag, SessionNote


@dataclass(frozen=True)
class TimelineEntry:
    """One event on a client's timeline. Carries no clinical text: the entry links to it."""

    at: datetime.datetime
    kind: str  # "session" now; "assessment_sent", "assessment_completed", "alert", "report" later
    title: str
    url: str = ""
    detail: str = ""
    tags: tuple[str, ...] = ()
    status: str = ""
    status_key: str = ""  # the status as stored ("draft"), which the page compares, not the words


class SessionTimeline:
    """Timeline provider for session notes.

    A provider answers two questions about one client for one user, each in a fixed number of
    queries: how many entries it has (``count``) and its ``limit`` newest (``newest``, newest
    first). Reports and questionnaires have their own (``practice.dashboard.timeline``).
    """

    def count(self, user, client: Client) -> int:
        return SessionNote.objects.of_client(user, client).count()

    def newest(self, user, client: Client, limit: int) -> list[TimelineEntry]:
        notes = (
            SessionNote.objects.of_client(user, client)
            .select_related("author")
            .prefetch_related(Prefetch("tags", queryset=NoteTag.objects.order_by("name")))
            .annotate(addenda_count=Count("addenda"))
            .order_by("-started_at", "-created_at")[:limit]
        )
        return [self._entry(note) for note in notes]

    @staticmethod
    def _entry(note: SessionNote, tags: list[str] | None = None) -> TimelineEntry:
        """``tags``: the note's tag names in order, if the caller read them (else its tags)."""
        if tags is None:
            tags = [tag.name for tag in note.tags.all()]
        minutes = gettext("%(minutes)s min") % {"minutes": note.duration_minutes}
        detail = [note.get_modality_display(), minutes, str(note.author)]
        if note.addenda_count:
            detail.append(
                ngettext("%(count)s addendum", "%(count)s addenda", note.addenda_count)
                % {"count": note.addenda_count}
            )
        return TimelineEntry(
            at=note.started_at,
            kind="session",
            title=gettext("%(type)s session") % {"type": note.get_session_type_display()},
            url=reverse("clients:note_detail", args=[note.client_id, note.pk]),
            detail=" · ".join(detail),
            tags=tuple(tags),
            status=note.get_status_display(),
            status_key=note.status,
        )


class _MergedTimeline:
    """The providers' entries as one newest-first sequence that ``Paginator`` can slice.

    Page n needs at most n * per_page entries from each provider, so each page costs the same
    fixed number of queries per provider, however many entries there are.
    """

    def __init__(self, providers, user, client):
        self.providers, self.user, self.client = providers, user, client

    def count(self) -> int:
        return sum(provider.count(self.user, self.client) for provider in self.providers)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("The timeline can only be sliced.")
        start, stop = key.start or 0, key.stop
        if stop is None or stop <= start:
            return []
        streams = [provider.newest(self.user, self.client, stop) for provider in self.providers]
        merged = heapq.merge(*streams, key=attrgetter("at"), reverse=True)
        return list(itertools.islice(merged, start, stop))


def newest_entries(providers, user, client: Client, limit: int) -> tuple[list, bool]:
    """The ``limit`` newest entries of ``providers`` and whether there are more: what the client
    page shows, without counting every entry (each provider reads ``limit + 1`` rows)."""
    entries = _MergedTimeline(providers, user, client)[0 : limit + 1]
    return entries[:limit], len(entries) > limit


def timeline_page(providers, user, client: Client, page=1, per_page: int = 20) -> Page:
    """One page of the entries of ``providers`` about ``client`` as ``user`` may see them,
    interleaved newest first (providers earlier in the list first when two share a time).

    ``page`` may come straight from the query string; out-of-range or malformed numbers give
    the nearest valid page, as ``Paginator.get_page`` does.
    """
    paginator = Paginator(_MergedTimeline(providers, user, client), per_page)
    return paginator.get_page(page)
