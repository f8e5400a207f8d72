"""Writing session notes: create a draft, edit it, sign it, add addenda, read it (audited), its
versions, and the questionnaires it links to.

Every operation takes the acting user first. ``request`` is optional and only adds the channel
and address to the audit row (the demo seeder runs without one). Each change writes its audit
event in the same transaction, naming fields, never their contents: note text never reaches the
audit log or the logs.

The dashboard sits above this layer, so nothing here refreshes its rows: the pages and the API
that call ``create_note`` and ``update_draft`` refresh the client's row when a note was saved.

Rules enforced here, whichever page or API endpoint calls:

- A draft may be edited by its author only; every save that changes something keeps a
  ``SessionNoteVersion``. Signing locks the note (``NoteLocked`` afterwards); only addenda follow.
- The session's date and time are read in the client's time zone and may not lie after today
  there; durations run from 1 to 480 minutes; tags come from the client's practice's list;
  linked assessments are questionnaires that same client submitted in that same practice.
"""

import datetime
import zoneinfo
from dataclasses import dataclass, field
from operator import attrgetter

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from assessments.charts import format_date
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
from practice import audit
from practice.models import AuditAction

SECTION_MAX_LENGTH = 20_000
EARLIEST_SESSION = datetime.date(1900, 1, 1)

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
        errors["session_type"] = gettext("Choose individual, couple, family or group.")
    if data.modality not in SessionNote.Modality.values:
        errors["modality"] = gettext("Choose in person, video or phone.")
    if data.note_format not in SessionNote.Format.values:
        errors["note_format"] = gettext("Choose free text, SOAP, DAP or BIRP.")

    minutes = data.duration_minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        errors["duration_minutes"] = gettext("Enter the duration as a whole number of minutes.")
    elif minutes < SessionNote.MIN_MINUTES:
        errors["duration_minutes"] = gettext("The duration must be at least 1 minute.")
    elif minutes > SessionNote.MAX_MINUTES:
        errors["duration_minutes"] = gettext(
            "A session cannot last more than %(most)s minutes (8 hours). Check the duration."
        ) % {"most": SessionNote.MAX_MINUTES}

    today = local_today(time_zone)
    if data.session_date > today:
        errors["session_date"] = gettext(
            "The session date cannot be after today (%(today)s in %(zone)s)."
        ) % {"today": date_format(today, "d M Y"), "zone": time_zone}
    elif data.session_date < max(EARLIEST_SESSION, client.date_of_birth or EARLIEST_SESSION):
        errors["session_date"] = gettext(
            "The session date is before the client was born; check the year."
        )

    content: dict[str, str] = {}
    if "note_format" not in errors:
        keys = [key for key, _label, _help in NOTE_FORMAT_SECTIONS[data.note_format]]
        unknown = sorted(set(data.content) - set(keys))
        if unknown:
            errors["content"] = gettext(
                "%(format)s notes have the sections %(sections)s; remove %(unknown)s."
            ) % {
                "format": SessionNote.Format(data.note_format).label,
                "sections": ", ".join(keys),
                "unknown": ", ".join(unknown),
            }
        for key in keys:
            text = data.content.get(key) or ""
            if not isinstance(text, str):
                errors[key] = gettext("Enter text.")
                continue
            text = text.strip()
            if len(text) > SECTION_MAX_LENGTH:
                errors[key] = gettext("Keep each section under %(limit)s characters.") % {
                    "limit": f"{SECTION_MAX_LENGTH:,}"
                }
            content[key] = text
        if not errors.get("content") and not any(content.values()):
            errors["content"] = gettext("Write something in at least one section of the note.")

    started_at = datetime.datetime.combine(
        data.session_date, data.start_time.replace(second=0, microsecond=0)
    ).replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    if _skipped_by_clock_change(started_at):
        errors["start_time"] = gettext(
            "%(time)s did not happen on that date in %(zone)s: the clocks went forward. "
            "Check the time."
        ) % {"time": f"{data.start_time:%H:%M}", "zone": time_zone}

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
        errors["tags"] = gettext("Tags are given by their numbers.")
        return []
    tags = list(NoteTag.objects.filter(practice=practice, pk__in=wanted))
    if len(tags) != len(wanted):
        errors["tags"] = gettext("Choose tags from your practice's tag list.")
        return []
    already = {tag.pk for tag in current.tags.all()} if current is not None else set()
    archived = [tag.name for tag in tags if not tag.is_active and tag.pk not in already]
    if archived:
        errors["tags"] = gettext("These tags are archived: %(tags)s.") % {
            "tags": ", ".join(sorted(archived))
        }
    return sorted(tags, key=attrgetter("pk"))


def _resolve_assessments(client: Client, response_ids, errors) -> list[Response]:
    """The responses ``response_ids`` if every one is a questionnaire ``client`` submitted in
    the client's practice; otherwise an error on "assessments" that names no one."""
    try:
        wanted = {int(pk) for pk in response_ids}
    except (TypeError, ValueError):
        errors["assessments"] = gettext("Assessments are given by their numbers.")
        return []
    if not wanted:
        return []
    responses = list(
        Response.objects.filter(client=client, practice_id=client.practice_id, pk__in=wanted)
    )
    if len(responses) != len(wanted):
        errors["assessments"] = gettext(
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

    The caller has already checked that ``actor`` can see ``client``, and refreshes the
    client's dashboard row afterwards (``refresh_client_progress``).
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
    return note


def _lock(note: SessionNote) -> SessionNote:
    """The note's row, locked until the transaction ends, so a sign and an edit cannot race."""
    return SessionNote.objects.select_for_update().get(pk=note.pk)


def _require_author(actor, note: SessionNote, refusal: str) -> None:
    if note.author_id != actor.pk:
        raise PermissionDenied(refusal)


def require_editable(actor, note: SessionNote) -> None:
    """Raise ``NoteLocked`` if the note is signed, ``PermissionDenied`` if ``actor`` is not its
    author; pages call this before showing the edit form, ``update_draft`` before saving."""
    if note.is_signed:
        raise NoteLocked()
    _require_author(actor, note, gettext("Only the note's author can edit a draft."))


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
    in the meantime, for example in another tab. When the returned note's version is not the
    one ``note`` had, something was saved and the caller refreshes the client's dashboard row.
    """
    current = _lock(note)
    require_editable(actor, current)
    if expected_version is not None and int(expected_version) != current.version:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: gettext(
                    "This draft was saved somewhere else since you opened it. "
                    "Reload it to see the latest version, then make your changes again."
                )
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
    return current


@transaction.atomic
def sign_note(actor, note: SessionNote, *, request=None) -> SessionNote:
    """Sign and lock a draft (its author only). From now on only addenda can be added.

    Returns the signed note as a fresh instance; ``note`` itself is left as it was loaded.
    """
    current = _lock(note)
    if current.is_signed:
        raise NoteLocked("This note is already signed.")
    _require_author(actor, current, gettext("Only the note's author can sign it."))
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
            {
                "text": gettext(
                    "This note is still a draft: edit the draft instead of adding an addendum."
                )
            }
        )
    if not text:
        raise ValidationError({"text": gettext("Write the addendum's text.")})
    if len(text) > NoteAddendum.MAX_LENGTH:
        raise ValidationError(
            {
                "text": gettext("Keep an addendum under %(limit)s characters.")
                % {"limit": f"{NoteAddendum.MAX_LENGTH:,}"}
            }
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
        text = f"{self.instrument_name}, {format_date(self.date)}"
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
