"""Session notes as markers on a client's trajectory charts (dates and labels, never note text)."""

import datetime
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Prefetch
from django.urls import reverse

from clients.models import Client, NoteTag, SessionNote


@dataclass(frozen=True)
class NoteMarker:
    """A session note as a marker on a trajectory chart's time axis. Never carries note text."""

    note_id: UUID
    at: datetime.datetime
    date: datetime.date
    session_type: str
    modality: str
    tags: tuple[str, ...]
    status: str
    url: str

    @property
    def label(self) -> str:
        """What hover or focus shows beside the date: type and tags, for example
        "Individual session · Crisis, Rupture and repair". Has the ``date`` and ``label`` that
        ``assessments.charts.NoteMarker`` takes, and the chart prints the date itself."""
        parts = [f"{self.session_type} session"]
        if self.tags:
            parts.append(", ".join(self.tags))
        return " · ".join(parts)


def note_markers(
    user,
    client: Client,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[NoteMarker]:
    """Markers for the notes about ``client`` that ``user`` may read, oldest first, for sessions
    dated ``start`` to ``end`` (inclusive, in the client's time zone). Two queries, whatever the
    number of notes; the chart renderer calls this and draws one marker per entry."""
    notes = SessionNote.objects.of_client(user, client)
    if start is not None:
        notes = notes.filter(session_date__gte=start)
    if end is not None:
        notes = notes.filter(session_date__lte=end)
    notes = notes.only(
        "pk", "client_id", "started_at", "session_date", "session_type", "modality", "status"
    ).prefetch_related(Prefetch("tags", queryset=NoteTag.objects.order_by("name")))
    return [
        NoteMarker(
            note_id=note.pk,
            at=note.started_at,
            date=note.session_date,
            session_type=note.get_session_type_display(),
            modality=note.get_modality_display(),
            tags=tuple(tag.name for tag in note.tags.all()),
            status=note.get_status_display(),
            url=reverse("clients:note_detail", args=[note.client_id, note.pk]),
        )
        for note in notes.order_by("started_at", "created_at")
    ]
