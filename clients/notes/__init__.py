"""Session notes: write, sign and amend them, find them again, and place them on the client's
timeline and trajectory charts.

The package is split by what the parts are about:

- ``workflow``: writing a note (``NoteInput``, create, edit a draft, sign, addenda, audited
  reads), its versions and the questionnaires it links to; the rules every page and API
  endpoint go through.
- ``tags``: the practice's tag list, its defaults and the owners' changes to it.
- ``search``: a client's notes with filters, and search across one's caseload.
- ``markers``: notes as markers on the trajectory charts.
- ``timelines``: the client timeline's entries, the notes' provider and the merging of
  providers into pages (which providers, ``practice.dashboard.timeline`` decides).

Callers keep importing from the package (``from clients import notes``, then
``notes.create_note(...)``): it re-exports the names below.

Layer: session notes, above client records, questionnaires and trajectories; it imports from
``clients.models``, ``assessments.models`` and the practice core, never from reports or the
dashboard.
"""

from clients.notes.markers import NoteMarker, note_markers
from clients.notes.search import client_notes, search_notes, tagged_with, uses_full_text_search
from clients.notes.tags import (
    DEFAULT_TAGS,
    add_tag,
    change_tag,
    ensure_default_tags,
    practice_tags,
)
from clients.notes.timelines import SessionTimeline, TimelineEntry, newest_entries, timeline_page
from clients.notes.workflow import (
    ASSESSMENT_CHOICES,
    EARLIEST_SESSION,
    SECTION_MAX_LENGTH,
    LinkedAssessment,
    NoteInput,
    add_addendum,
    assessment_choices,
    can_edit,
    create_note,
    headline_score,
    latest_note,
    linked_assessment,
    linked_assessments,
    local_today,
    read_note,
    require_editable,
    sign_note,
    update_draft,
    versions_with_assessments,
)

__all__ = [
    "ASSESSMENT_CHOICES",
    "DEFAULT_TAGS",
    "EARLIEST_SESSION",
    "SECTION_MAX_LENGTH",
    "LinkedAssessment",
    "NoteInput",
    "NoteMarker",
    "SessionTimeline",
    "TimelineEntry",
    "add_addendum",
    "add_tag",
    "assessment_choices",
    "can_edit",
    "change_tag",
    "client_notes",
    "create_note",
    "ensure_default_tags",
    "headline_score",
    "latest_note",
    "linked_assessment",
    "linked_assessments",
    "local_today",
    "newest_entries",
    "note_markers",
    "practice_tags",
    "read_note",
    "require_editable",
    "search_notes",
    "sign_note",
    "tagged_with",
    "timeline_page",
    "update_draft",
    "uses_full_text_search",
    "versions_with_assessments",
]
