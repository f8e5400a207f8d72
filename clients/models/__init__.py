"""The clients app's models, one module per subject:

- ``records``: clients, their shares, and who may see them (``Client.objects.visible_to(user)``,
  and ``ClientRowsQuerySet``, the base of every queryset of rows about clients);
- ``notes``: session notes, their tags, versions and addenda;
- ``reports``: PDF reports and report batches;
- ``exports``: export jobs (a client's full record or a whole practice, as one archive);
- ``imports``: caseload imports (an uploaded CSV of clients and how far it has got);
- ``episodes``: episodes of care (a client's courses of therapy, start, end and why it ended).

Everything is re-exported here, so ``from clients.models import Client`` and the dotted paths
that migrations and settings name (``clients.models.Client.Status``) keep working. ``notes`` and
``reports`` import ``records`` first, so the models register in the order they were defined in
before the split.
"""

from clients.models.episodes import EndReason, Episode, EpisodeQuerySet, episode_starts
from clients.models.exports import ExportJob, ExportJobQuerySet
from clients.models.imports import ClientImport, ClientImportQuerySet
from clients.models.notes import (
    NOTE_FORMAT_SECTIONS,
    SESSION_MINUTES,
    AppendOnlyModel,
    AppendOnlyQuerySet,
    NoteAddendum,
    NoteLocked,
    NoteTag,
    SessionNote,
    SessionNoteQuerySet,
    SessionNoteVersion,
)
from clients.models.records import (
    _CHECKED_FOR,
    Client,
    ClientQuerySet,
    ClientRowsQuerySet,
    ClientShare,
    _acting,
    checked_for,
    mark_checked,
)
from clients.models.reports import (
    Report,
    ReportBatch,
    ReportBatchQuerySet,
    ReportQuerySet,
)

__all__ = [
    "NOTE_FORMAT_SECTIONS",
    "SESSION_MINUTES",
    "_CHECKED_FOR",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "Client",
    "ClientImport",
    "ClientImportQuerySet",
    "ClientQuerySet",
    "ClientRowsQuerySet",
    "ClientShare",
    "EndReason",
    "Episode",
    "EpisodeQuerySet",
    "ExportJob",
    "ExportJobQuerySet",
    "NoteAddendum",
    "NoteLocked",
    "NoteTag",
    "Report",
    "ReportBatch",
    "ReportBatchQuerySet",
    "ReportQuerySet",
    "SessionNote",
    "SessionNoteQuerySet",
    "SessionNoteVersion",
    "_acting",
    "checked_for",
    "episode_starts",
    "mark_checked",
]
