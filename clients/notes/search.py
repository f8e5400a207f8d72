"""Finding notes again: a client's notes with filters, and search across one's caseload by
words and tags (full-text on PostgreSQL, word by word elsewhere)."""

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from clients.models import Client, NoteAddendum, NoteTag, SessionNote
from practice.models import Practice


def _with_summaries(notes):
    """What note lists show (date, type, tags, author, addenda count) in a fixed few queries."""
    return (
        notes.select_related("author", "client")
        .prefetch_related(Prefetch("tags", queryset=NoteTag.objects.order_by("name")))
        .annotate(addenda_count=Count("addenda"))
    )


def client_notes(user, client: Client, *, tag=None, status="", session_type=""):
    """The notes about ``client`` that ``user`` may read, newest first, optionally filtered."""
    notes = SessionNote.objects.of_client(user, client)
    if tag:
        notes = notes.filter(Exists(tagged_with(tag)))
    if status in SessionNote.Status.values:
        notes = notes.filter(status=status)
    if session_type in SessionNote.SessionType.values:
        notes = notes.filter(session_type=session_type)
    return _with_summaries(notes).order_by("-started_at", "-created_at")


def tagged_with(tag):
    through = SessionNote.tags.through
    return through.objects.filter(sessionnote_id=OuterRef("pk"), notetag_id=getattr(tag, "pk", tag))


def search_notes(user, practice: Practice, query: str = "", tags=(), client: Client | None = None):
    """Notes across ``user``'s caseload in ``practice`` matching ``query`` and every tag given.

    A note matches the text when the note or one of its addenda contains all the words. On
    PostgreSQL this is full-text search (English stemming: "sleeping" finds "sleep"); elsewhere
    each word must appear as written, which gives the same results for plain whole words.
    """
    notes = SessionNote.objects.visible_to(user).filter(practice=practice)
    if client is not None:
        notes = notes.filter(client=client)
    for tag in tags:
        notes = notes.filter(Exists(tagged_with(tag)))
    words = query.split()
    if words:
        notes = notes.filter(_text_matches(query, words))
    return _with_summaries(notes).order_by("-started_at", "-created_at")


def uses_full_text_search() -> bool:
    """PostgreSQL has full-text search; other databases get the word-by-word fallback."""
    return connection.vendor == "postgresql"


def _text_matches(query: str, words: list[str]) -> Q:
    addenda = NoteAddendum.objects.filter(note=OuterRef("pk"))
    if uses_full_text_search():
        from django.contrib.postgres.search import SearchQuery, SearchVector

        wanted = SearchQuery(query, search_type="plain", config="english")
        in_note = Exists(
            SessionNote.objects.filter(pk=OuterRef("pk"))
            .annotate(document=SearchVector("search_text", config="english"))
            .filter(document=wanted)
        )
        in_addendum = Exists(
            addenda.annotate(document=SearchVector("text", config="english")).filter(
                document=wanted
            )
        )
        return Q(in_note) | Q(in_addendum)
    in_note = Q()
    for word in words:
        in_note &= Q(search_text__icontains=word)
        addenda = addenda.filter(text__icontains=word)
    return in_note | Q(Exists(addenda))
