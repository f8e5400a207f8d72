"""Session notes: write, sign and amend them, find them again, and place them on the client's
timeline and trajectory charts.

Every operation takes the acting user first. ``request`` is optional and only adds the channel
and address to the audit row (the demo seeder runs without one). Each change writes its audit
event in the same transaction, naming fields, never their contents: note text never reaches the
audit log or the logs.

Rules enforced here, whichever page or API endpoint calls:

- A draft may be edited by its author only; every save that changes something keeps a
  ``SessionNoteVersion``. Signing locks the note (``NoteLocked`` afterwards); only addenda follow.
- The session's date and time are read in the client's time zone and may not lie after today
  there; durations run from 1 to 480 minutes; tags come from the client's practice's list;
  linked assessments are questionnaires that same client submitted in that same practice.
"""

import datetime
import heapq
import itertools
import zoneinfo
from dataclasses import dataclass, field
from operator import attrgetter
from uuid import UUID

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from assessments.models import Response
from clients.models import (
    NOTE_FORMAT_SECTIONS,
    Client,
    NoteAddendum,
    NoteLocked,
    NoteTag,
    SessionNote,
    SessionNoteVersion,
)
from practice import audit, progress
from practice.models import AuditAction, Membership, Practice, Role

SECTION_MAX_LENGTH = 20_000
EARLIEST_SESSION = datetime.date(1900, 1, 1)

# Seeded into each practice's tag list the first time it is needed; owners rename, archive or
# add to them. Chosen for attachment-focused work.
DEFAULT_TAGS: list[tuple[str, str]] = [
    ("Attachment history", NoteTag.Kind.THEME),
    ("Alternative support figure", NoteTag.Kind.THEME),
    ("Abandonment fears", NoteTag.Kind.THEME),
    ("Rupture and repair", NoteTag.Kind.THEME),
    ("Self-worth", NoteTag.Kind.THEME),
    ("Grief and loss", NoteTag.Kind.THEME),
    ("Relationship conflict", NoteTag.Kind.THEME),
    ("Crisis", NoteTag.Kind.THEME),
    ("Limiting belief challenged", NoteTag.Kind.INTERVENTION),
    ("Emotion regulation", NoteTag.Kind.INTERVENTION),
    ("Mentalising", NoteTag.Kind.INTERVENTION),
    ("Imagery rescripting", NoteTag.Kind.INTERVENTION),
    ("Psychoeducation", NoteTag.Kind.INTERVENTION),
    ("Safety planning", NoteTag.Kind.INTERVENTION),
    ("Homework reviewed", NoteTag.Kind.INTERVENTION),
]


# --- Tags -----------------------------------------------------------------------------------


def ensure_default_tags(practice: Practice) -> None:
    """Give a practice the default tag list the first time it needs one.

    Tags are archived, never deleted, so a practice without any tag row has never been seeded.
    """
    if NoteTag.objects.filter(practice=practice).exists():
        return
    NoteTag.objects.bulk_create(
        [NoteTag(practice=practice, name=name, kind=kind) for name, kind in DEFAULT_TAGS],
        ignore_conflicts=True,  # two first requests at once: the second adds nothing
    )


def practice_tags(practice: Practice, *, include_archived: bool = False):
    """The practice's tags, seeding the defaults first if it has none yet."""
    ensure_default_tags(practice)
    tags = NoteTag.objects.filter(practice=practice)
    return tags if include_archived else tags.filter(is_active=True)


def _require_owner(actor, practice: Practice) -> None:
    is_owner = (
        Membership.objects.active().filter(user=actor, practice=practice, role=Role.OWNER).exists()
    )
    if not is_owner:
        raise PermissionDenied("Only the practice's owners can change the tag list.")


def _clean_tag(practice: Practice, name: str, kind: str, exclude: NoteTag | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the tag a name."})
    if len(name) > NoteTag._meta.get_field("name").max_length:
        raise ValidationError({"name": "Keep tag names to 60 characters or fewer."})
    if kind not in NoteTag.Kind.values:
        raise ValidationError({"kind": "Choose theme or intervention."})
    taken = NoteTag.objects.filter(practice=practice, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": "The practice already has a tag with this name."})
    return name


@transaction.atomic
def add_tag(actor, practice: Practice, name: str, kind: str, *, request=None) -> NoteTag:
    """Add a tag to the practice's list (owners only)."""
    _require_owner(actor, practice)
    ensure_default_tags(practice)
    tag = NoteTag.objects.create(
        practice=practice, name=_clean_tag(practice, name, kind), kind=kind
    )
    audit.record(request, AuditAction.CREATE, tag, fields=["name", "kind"], actor=actor)
    return tag


@transaction.atomic
def change_tag(
    actor, tag: NoteTag, *, name: str, kind: str, is_active: bool, request=None
) -> NoteTag:
    """Rename, re-kind, archive or restore a tag (owners only). Notes keep their tags."""
    _require_owner(actor, tag.practice)
    new = {
        "name": _clean_tag(tag.practice, name, kind, exclude=tag),
        "kind": kind,
        "is_active": is_active,
    }
    changed = [key for key, value in new.items() if getattr(tag, key) != value]
    if changed:
        for key in changed:
            setattr(tag, key, new[key])
        tag.save(update_fields=changed)
        audit.record(request, AuditAction.UPDATE, tag, fields=changed, actor=actor)
    return tag


# --- Writing notes --------------------------------------------------------------------------


@dataclass
class NoteInput:
    """What a clinician enters for a session, as parsed by a form or serializer.

    The date and time are wall-clock values in the client's time zone. ``content`` maps the
    format's section keys (``NOTE_FORMAT_SECTIONS``) to text; ``tag_ids`` are ``NoteTag`` ids;
    ``assessment_ids`` are ids of the client's submitted questionnaires (``Response``) that were
    discussed in the session.
    """

    session_date: datetime.date
    start_time: datetime.time
    duration_minutes: int
    session_type: str = SessionNote.SessionType.INDIVIDUAL
    modality: str = SessionNote.Modality.IN_PERSON
    note_format: str = SessionNote.Format.FREE
    content: dict[str, str] = field(default_factory=dict)
    tag_ids: list[int] = field(default_factory=list)
    assessment_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_note(cls, note: SessionNote) -> "NoteInput":
        """The note's current values, to which an edit applies its changes."""
        local = note.started_at.astimezone(zoneinfo.ZoneInfo(note.time_zone))
        return cls(
            session_date=note.session_date,
            start_time=local.time().replace(second=0, microsecond=0),
            duration_minutes=note.duration_minutes,
            session_type=note.session_type,
            modality=note.modality,
            note_format=note.note_format,
            content=dict(note.content),
            tag_ids=[tag.pk for tag in note.tags.all()],
            assessment_ids=[response.pk for response in note.assessments.all()],
        )


def local_today(time_zone: str) -> datetime.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def _validated(client: Client, data: NoteInput, current: SessionNote | None = None):
    """Check ``data`` against the rules; return the model fields, the tags and the assessments
    (responses) to set.

    Raises ``ValidationError`` with a message per field. Messages never repeat the note's text.
    """
    errors: dict[str, str] = {}
    time_zone = client.effective_time_zone
    if data.session_type not in SessionNote.SessionType.values:
        errors["session_type"] = "Choose individual, couple, family or group."
    if data.modality not in SessionNote.Modality.values:
        errors["modality"] = "Choose in person, video or phone."
    if data.note_format not in SessionNote.Format.values:
        errors["note_format"] = "Choose free text, SOAP, DAP or BIRP."

    minutes = data.duration_minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        errors["duration_minutes"] = "Enter the duration as a whole number of minutes."
    elif minutes < SessionNote.MIN_MINUTES:
        errors["duration_minutes"] = "The duration must be at least 1 minute."
    elif minutes > SessionNote.MAX_MINUTES:
        errors["duration_minutes"] = (
            f"A session cannot last more than {SessionNote.MAX_MINUTES} minutes (8 hours). "
            "Check the duration."
        )

    today = local_today(time_zone)
    if data.session_date > today:
        errors["session_date"] = (
            f"The session date cannot be after today ({today:%d %b %Y} in {time_zone})."
        )
    elif data.session_date < max(EARLIEST_SESSION, client.date_of_birth or EARLIEST_SESSION):
        errors["session_date"] = "The session date is before the client was born; check the year."

    content: dict[str, str] = {}
    if "note_format" not in errors:
        keys = [key for key, _label, _help in NOTE_FORMAT_SECTIONS[data.note_format]]
        unknown = sorted(set(data.content) - set(keys))
        if unknown:
            errors["content"] = (
                f"{SessionNote.Format(data.note_format).label} notes have the sections "
                f"{', '.join(keys)}; remove {', '.join(unknown)}."
            )
        for key in keys:
            text = data.content.get(key) or ""
            if not isinstance(text, str):
                errors[key] = "Enter text."
                continue
            text = text.strip()
            if len(text) > SECTION_MAX_LENGTH:
                errors[key] = f"Keep each section under {SECTION_MAX_LENGTH:,} characters."
            content[key] = text
        if not errors.get("content") and not any(content.values()):
            errors["content"] = "Write something in at least one section of the note."

    started_at = datetime.datetime.combine(
        data.session_date, data.start_time.replace(second=0, microsecond=0)
    ).replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    if _skipped_by_clock_change(started_at):
        errors["start_time"] = (
            f"{data.start_time:%H:%M} did not happen on that date in {time_zone}: the clocks "
            "went forward. Check the time."
        )

    tags = _resolve_tags(client.practice, data.tag_ids, current, errors)
    assessments = _resolve_assessments(client, data.assessment_ids, errors)
    if errors:
        raise ValidationError(errors)

    fields = {
        "started_at": started_at,
        "time_zone": time_zone,
        "session_date": data.session_date,
        "duration_minutes": minutes,
        "session_type": data.session_type,
        "modality": data.modality,
        "note_format": data.note_format,
        "content": content,
        "search_text": "\n\n".join(text for text in content.values() if text),
    }
    return fields, tags, assessments


def _skipped_by_clock_change(local: datetime.datetime) -> bool:
    """True for a wall-clock time that a daylight-saving change skipped (it does not survive a
    round trip through UTC)."""
    round_trip = local.astimezone(datetime.UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) != local.replace(tzinfo=None)


def _resolve_tags(practice, tag_ids, current, errors) -> list[NoteTag]:
    try:
        wanted = {int(pk) for pk in tag_ids}
    except (TypeError, ValueError):
        errors["tags"] = "Tags are given by their numbers."
        return []
    tags = list(NoteTag.objects.filter(practice=practice, pk__in=wanted))
    if len(tags) != len(wanted):
        errors["tags"] = "Choose tags from your practice's tag list."
        return []
    already = {tag.pk for tag in current.tags.all()} if current is not None else set()
    archived = [tag.name for tag in tags if not tag.is_active and tag.pk not in already]
    if archived:
        errors["tags"] = f"These tags are archived: {', '.join(sorted(archived))}."
    return sorted(tags, key=attrgetter("pk"))


def _resolve_assessments(client: Client, response_ids, errors) -> list[Response]:
    """The responses ``response_ids`` if every one is a questionnaire ``client`` submitted in
    the client's practice; otherwise an error on "assessments" that names no one."""
    try:
        wanted = {int(pk) for pk in response_ids}
    except (TypeError, ValueError):
        errors["assessments"] = "Assessments are given by their numbers."
        return []
    if not wanted:
        return []
    responses = list(
        Response.objects.filter(client=client, practice_id=client.practice_id, pk__in=wanted)
    )
    if len(responses) != len(wanted):
        errors["assessments"] = (
            "Link only questionnaires this client has submitted; one or more of those chosen "
            "are not among them."
        )
        return []
    return sorted(responses, key=attrgetter("pk"))


def _keep_version(
    note: SessionNote, actor, tags: list[NoteTag], assessments: list[Response]
) -> SessionNoteVersion:
    return SessionNoteVersion.objects.create(
        note=note,
        number=note.version,
        saved_by=actor,
        started_at=note.started_at,
        time_zone=note.time_zone,
        session_date=note.session_date,
        duration_minutes=note.duration_minutes,
        session_type=note.session_type,
        modality=note.modality,
        note_format=note.note_format,
        content=note.content,
        tag_names=sorted(tag.name for tag in tags),
        assessment_ids=sorted(response.pk for response in assessments),
    )


@transaction.atomic
def create_note(actor, client: Client, data: NoteInput, *, request=None) -> SessionNote:
    """Record a session for ``client`` as a draft by ``actor``; keep version 1; audit it.

    The caller has already checked that ``actor`` can see ``client``.
    """
    fields, tags, assessments = _validated(client, data)
    note = SessionNote.objects.create(
        practice=client.practice, client=client, author=actor, version=1, **fields
    )
    note.tags.set(tags)
    note.assessments.set(assessments)
    _keep_version(note, actor, tags, assessments)
    written = [name for name in fields if name != "search_text"]
    written += ["tags"] if tags else []
    written += ["assessments"] if assessments else []
    audit.record(request, AuditAction.CREATE, note, fields=written, actor=actor)
    progress.refresh_client_progress(client)
    return note


def _lock(note: SessionNote) -> SessionNote:
    """The note's row, locked until the transaction ends, so a sign and an edit cannot race."""
    return SessionNote.objects.select_for_update().get(pk=note.pk)


def _require_author(actor, note: SessionNote, doing: str) -> None:
    if note.author_id != actor.pk:
        raise PermissionDenied(f"Only the note's author can {doing}.")


def require_editable(actor, note: SessionNote) -> None:
    """Raise ``NoteLocked`` if the note is signed, ``PermissionDenied`` if ``actor`` is not its
    author; pages call this before showing the edit form, ``update_draft`` before saving."""
    if note.is_signed:
        raise NoteLocked()
    _require_author(actor, note, "edit a draft")


def can_edit(actor, note: SessionNote) -> bool:
    """Whether pages should offer ``actor`` the edit and sign buttons for ``note``."""
    return not note.is_signed and note.author_id == actor.pk


def latest_note(user, client: Client) -> SessionNote | None:
    """The most recent session with ``client`` that ``user`` may see, if any."""
    return SessionNote.objects.of_client(user, client).first()


@transaction.atomic
def update_draft(
    actor, note: SessionNote, data: NoteInput, *, expected_version=None, request=None
) -> SessionNote:
    """Save changes to a draft note: only its author may; a signed note raises ``NoteLocked``.

    A save that changes anything keeps a new version; one that changes nothing writes nothing.
    ``expected_version`` (the version the editor started from) refuses to overwrite a save made
    in the meantime, for example in another tab.
    """
    current = _lock(note)
    require_editable(actor, current)
    if expected_version is not None and int(expected_version) != current.version:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: "This draft was saved somewhere else since you opened it. "
                "Reload it to see the latest version, then make your changes again."
            },
            code="stale",
        )
    fields, tags, assessments = _validated(current.client, data, current)
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    tags_changed = {t.pk for t in tags} != {t.pk for t in current.tags.all()}
    assessments_changed = {r.pk for r in assessments} != set(
        current.assessments.values_list("pk", flat=True)
    )
    if not changed and not tags_changed and not assessments_changed:
        return current
    for name in changed:
        setattr(current, name, fields[name])
    current.version += 1
    current.save()
    if tags_changed:
        current.tags.set(tags)
    if assessments_changed:
        current.assessments.set(assessments)
    _keep_version(current, actor, tags, assessments)
    names = [name for name in changed if name != "search_text"]
    names += ["tags"] if tags_changed else []
    names += ["assessments"] if assessments_changed else []
    audit.record(request, AuditAction.UPDATE, current, fields=names, actor=actor)
    progress.refresh_client_progress(current.client_id)
    return current


@transaction.atomic
def sign_note(actor, note: SessionNote, *, request=None) -> SessionNote:
    """Sign and lock a draft (its author only). From now on only addenda can be added.

    Returns the signed note as a fresh instance; ``note`` itself is left as it was loaded.
    """
    current = _lock(note)
    if current.is_signed:
        raise NoteLocked("This note is already signed.")
    _require_author(actor, current, "sign it")
    current.status = SessionNote.Status.SIGNED
    current.signed_at = timezone.now()
    current.signed_by = actor
    current.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    audit.record(request, AuditAction.UPDATE, current, fields=["status", "signed_at"], actor=actor)
    return current


@transaction.atomic
def add_addendum(actor, note: SessionNote, text: str, *, request=None) -> NoteAddendum:
    """Add an addendum to a signed note. Anyone who can see the note may; the caller checked.

    The addendum records its author and time; the note itself stays exactly as signed.
    """
    current = _lock(note)
    text = (text or "").strip()
    if not current.is_signed:
        raise ValidationError(
            {"text": "This note is still a draft: edit the draft instead of adding an addendum."}
        )
    if not text:
        raise ValidationError({"text": "Write the addendum's text."})
    if len(text) > NoteAddendum.MAX_LENGTH:
        raise ValidationError(
            {"text": f"Keep an addendum under {NoteAddendum.MAX_LENGTH:,} characters."}
        )
    addendum = NoteAddendum.objects.create(note=current, author=actor, text=text)
    audit.record(
        request,
        AuditAction.CREATE,
        addendum,
        practice=current.practice,
        client_id=current.client_id,
        fields=["text"],
        actor=actor,
    )
    return addendum


def read_note(actor, note: SessionNote, *, request=None, part: str = "") -> SessionNote:
    """Audit that ``actor`` read ``note`` (its text, addenda or versions) and return it.

    Every page or endpoint that shows a note's text calls this. ``part`` names what was read
    ("versions", "addenda") when it is not the note itself.
    """
    audit.record(request, AuditAction.VIEW, note, fields=[part] if part else [], actor=actor)
    return note


# --- Linked assessments ---------------------------------------------------------------------

# The form offers the client's most recent questionnaires (and any the note already links).
ASSESSMENT_CHOICES = 20


@dataclass(frozen=True)
class LinkedAssessment:
    """A questionnaire response as a note shows it: instrument, date, headline score, link."""

    id: int
    instrument_code: str
    instrument_name: str
    submitted_at: datetime.datetime
    date: datetime.date
    headline: str
    url: str

    @property
    def label(self) -> str:
        """For example "PHQ-9, 3 Mar 2025: 12 (Moderate)"."""
        text = f"{self.instrument_name}, {self.date.day} {self.date:%b %Y}"
        return f"{text}: {self.headline}" if self.headline else text


def headline_score(response: Response) -> str:
    """The total with its band, or each subscale's score where there is no total, and the
    attachment style where the instrument gives one."""
    if response.total is not None:
        parts = [floatformat(response.total, -2) + (f" ({response.band})" if response.band else "")]
    else:
        parts = [
            ", ".join(
                f"{score.get('label', key)} {floatformat(score.get('score'), -2)}"
                for key, score in (response.scores or {}).items()
                if score.get("score") is not None
            )
        ]
    if response.style_label:
        parts.append(response.style_label)
    return " · ".join(part for part in parts if part)


def linked_assessment(response: Response, time_zone: str) -> LinkedAssessment:
    """``response`` (its ``instrument`` loaded) as shown beside a note, dated in ``time_zone``."""
    return LinkedAssessment(
        id=response.pk,
        instrument_code=response.instrument.code,
        instrument_name=response.instrument.name,
        submitted_at=response.submitted_at,
        date=response.submitted_at.astimezone(zoneinfo.ZoneInfo(time_zone)).date(),
        headline=headline_score(response),
        url=reverse("assessments:response_detail", args=[response.pk]),
    )


def _responses_shown():
    """Responses with what a note shows of them, without the raw answers."""
    return Response.objects.select_related("instrument").defer("answers")


def linked_assessments(note: SessionNote) -> list[LinkedAssessment]:
    """The questionnaires linked to ``note``, oldest first, in one query however many."""
    responses = _responses_shown().filter(session_notes=note).order_by("submitted_at", "pk")
    return [linked_assessment(response, note.time_zone) for response in responses]


def assessment_choices(client: Client, note: SessionNote | None = None):
    """Responses a note about ``client`` may offer to link, newest first: the client's
    ``ASSESSMENT_CHOICES`` most recent, and those ``note`` already links however old."""
    recent = Response.objects.filter(client=client, practice_id=client.practice_id).order_by(
        "-submitted_at", "-pk"
    )[:ASSESSMENT_CHOICES]
    offered = Q(pk__in=list(recent.values_list("pk", flat=True)))
    if note is not None:
        offered |= Q(pk__in=note.assessments.values("pk"))
    return (
        _responses_shown()
        .filter(offered, client=client, practice_id=client.practice_id)
        .order_by("-submitted_at", "-pk")
    )


def versions_with_assessments(note: SessionNote) -> list[SessionNoteVersion]:
    """The note's versions, newest first, each with ``linked`` (its snapshot's responses that
    still exist, as ``LinkedAssessment``) in two queries."""
    versions = list(note.versions.select_related("saved_by").order_by("-number"))
    wanted = {pk for version in versions for pk in version.assessment_ids}
    found = {
        response.pk: linked_assessment(response, note.time_zone)
        for response in _responses_shown().filter(client_id=note.client_id, pk__in=wanted)
    }
    for version in versions:
        version.linked = [found[pk] for pk in version.assessment_ids if pk in found]
    return versions


# --- Reading lists --------------------------------------------------------------------------


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


# --- Markers for the trajectory charts --------------------------------------------------------


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


# --- The client timeline ----------------------------------------------------------------------


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


class SessionTimeline:
    """Timeline provider for session notes.

    A provider answers two questions about one client for one user, each in a fixed number of
    queries: how many entries it has (``count``) and its ``limit`` newest (``newest``, newest
    first). Assessments and reports add their own providers to ``TIMELINE_PROVIDERS``.
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
    def _entry(note: SessionNote) -> TimelineEntry:
        detail = [note.get_modality_display(), f"{note.duration_minutes} min", str(note.author)]
        if note.addenda_count:
            detail.append(f"{note.addenda_count} addend{'a' if note.addenda_count > 1 else 'um'}")
        return TimelineEntry(
            at=note.started_at,
            kind="session",
            title=f"{note.get_session_type_display()} session",
            url=reverse("clients:note_detail", args=[note.client_id, note.pk]),
            detail=" · ".join(detail),
            tags=tuple(tag.name for tag in note.tags.all()),
            status=note.get_status_display(),
        )


# Dotted paths of timeline providers, merged in this order when two entries share a time.
# Assessments (sent, completed, alerts) and reports append theirs here.
TIMELINE_PROVIDERS: list[str] = [
    "clients.notes.SessionTimeline",
    "clients.reports.timeline.ReportTimeline",
    "assessments.timeline.AssessmentTimeline",
]


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


def newest_entries(user, client: Client, limit: int) -> tuple[list[TimelineEntry], bool]:
    """The ``limit`` newest timeline entries and whether there are more: what the client page
    shows, without counting every entry (each provider reads ``limit + 1`` rows)."""
    providers = [import_string(path)() for path in TIMELINE_PROVIDERS]
    entries = _MergedTimeline(providers, user, client)[0 : limit + 1]
    return entries[:limit], len(entries) > limit


def timeline(user, client: Client, page=1, per_page: int = 20) -> Page:
    """One page of ``client``'s timeline as ``user`` may see it: sessions, and once their
    providers are registered assessments and reports, interleaved newest first.

    ``page`` may come straight from the query string; out-of-range or malformed numbers give
    the nearest valid page, as ``Paginator.get_page`` does.
    """
    providers = [import_string(path)() for path in TIMELINE_PROVIDERS]
    paginator = Paginator(_MergedTimeline(providers, user, client), per_page)
    return paginator.get_page(page)
