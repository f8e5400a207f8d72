"""Session notes: tags, the notes themselves, their versions and addenda."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models.records import Client, ClientRowsQuerySet, _acting
from practice.acting import UNBOUND, bound_membership, default_memberships
from practice.models import Practice, validate_time_zone

# --- Session notes ---------------------------------------------------------------------------
# Operations on notes live in clients/notes/; these models only guard what must never happen
# whichever code path saves them (a signed note changed, a version or addendum rewritten).


class NoteLocked(Exception):
    """A signed note was about to be changed. Signed notes only take addenda."""

    def __init__(self, message: str = "This note is signed and locked; add an addendum instead."):
        super().__init__(message)
        self.message = message


class AppendOnlyQuerySet(models.QuerySet):
    """Rows that form part of the clinical record are written once and never changed."""

    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} rows are append-only.")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} rows are append-only.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are append-only.")


class NoteTag(models.Model):
    """A theme or intervention a practice tags session notes with. Owners manage the list.

    Tags are archived rather than deleted, so notes keep the tags they were written with.
    """

    class Kind(models.TextChoices):
        THEME = "theme", _("Theme")
        INTERVENTION = "intervention", _("Intervention")

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="note_tags")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.THEME)
    is_active = models.BooleanField(
        default=True, help_text=_("Archived tags stay on old notes but cannot be chosen.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                "practice", models.functions.Lower("name"), name="unique_note_tag_name_per_practice"
            )
        ]

    def __str__(self) -> str:
        return self.name


# Shortest and longest session a note may record: a full-day intensive is 8 hours; anything
# longer is a typing slip.
SESSION_MINUTES = (1, 480)


class SessionNoteQuerySet(ClientRowsQuerySet):
    def visible_to(self, user):
        """Notes ``user`` may read acting under their one membership: those of clients
        ``Client.objects.visible_to(user)`` returns (the client's clinicians, and owners for
        every client of the practice), plus the notes ``user`` wrote in that practice."""
        membership = bound_membership(user)
        if membership is UNBOUND:
            if not getattr(user, "is_authenticated", False) or not user.is_active:
                return self.none()
            practice = default_memberships(user).values("practice_id")
            clients = Client.objects.visible_to(user).values("pk")
            return self.filter(Q(client__in=clients) | Q(author=user, practice__in=practice))
        if not _acting(user, membership):
            return self.none()
        clients = Client.objects.visible_in(user, membership).values("pk")
        return self.filter(practice_id=membership.practice_id).filter(
            Q(client__in=clients) | Q(author=user)
        )

    def signed(self):
        return self.filter(status=SessionNote.Status.SIGNED)


class SessionNote(models.Model):
    """One therapy session and the clinician's note of it.

    A draft may be edited by its author, and every save keeps a ``SessionNoteVersion``. Once
    signed, the note is locked: ``save()`` refuses, and only ``NoteAddendum`` rows follow.
    ``started_at`` is stored in UTC; ``time_zone`` and ``session_date`` record the client's local
    zone and date when the note was written, so the record reads the same if the zone changes.
    """

    class SessionType(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        COUPLE = "couple", _("Couple")
        FAMILY = "family", _("Family")
        GROUP = "group", _("Group")

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video")
        PHONE = "phone", _("Phone")

    class Format(models.TextChoices):
        FREE = "free", _("Free text")
        SOAP = "soap", _("SOAP")
        DAP = "dap", _("DAP")
        BIRP = "birp", _("BIRP")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    MIN_MINUTES = SESSION_MINUTES[0]
    MAX_MINUTES = SESSION_MINUTES[1]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="session_notes")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="session_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="session_notes"
    )
    started_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    session_date = models.DateField(help_text=_("The session's date in the client's time zone."))
    duration_minutes = models.PositiveSmallIntegerField()
    session_type = models.CharField(
        max_length=12, choices=SessionType.choices, default=SessionType.INDIVIDUAL
    )
    modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.IN_PERSON)
    note_format = models.CharField(max_length=8, choices=Format.choices, default=Format.FREE)
    content = models.JSONField(default=dict, help_text=_("Section key to text, per the format."))
    search_text = models.TextField(blank=True, editable=False, help_text=_("Sections joined."))
    tags = models.ManyToManyField(NoteTag, blank=True, related_name="notes")
    assessments = models.ManyToManyField(
        "assessments.Response",
        blank=True,
        related_name="session_notes",
        help_text=_("The client's submitted questionnaires discussed in the session."),
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-created_at"]
        indexes = [
            models.Index(fields=["client", "-started_at"]),
            models.Index(fields=["practice", "-started_at"]),
            models.Index(fields=["author", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=SESSION_MINUTES[0])
                & Q(duration_minutes__lte=SESSION_MINUTES[1]),
                name="session_note_duration_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False),
                name="signed_note_has_signed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Session note {self.pk}"

    def save(self, *args, **kwargs):
        if getattr(self, "_signed_in_db", False):
            raise NoteLocked()
        super().save(*args, **kwargs)
        self._signed_in_db = self.status == self.Status.SIGNED

    def delete(self, *args, **kwargs):
        raise NoteLocked("Session notes are clinical records and are never deleted.")

    @classmethod  # remembers whether the row was signed when loaded; see save()
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._signed_in_db = instance.status == cls.Status.SIGNED
        return instance

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def sections(self) -> list[tuple[str, str, str]]:
        """(key, label, text) for each section of this note's format, in order."""
        return [
            (key, label, self.content.get(key, ""))
            for key, label, _help in NOTE_FORMAT_SECTIONS[self.note_format]
        ]


# Each format's sections: (key, label, help). Data, not code: a new format is a new entry here.
NOTE_FORMAT_SECTIONS: dict[str, list[tuple[str, str, str]]] = {
    SessionNote.Format.FREE: [("text", "Note", "What happened in the session.")],
    SessionNote.Format.SOAP: [
        ("subjective", "Subjective", "What the client reported, in their words."),
        ("objective", "Objective", "What you observed: presentation, affect, behaviour."),
        ("assessment", "Assessment", "Your clinical reading of the session."),
        ("plan", "Plan", "Next steps, homework, what to pick up next time."),
    ],
    SessionNote.Format.DAP: [
        ("data", "Data", "What was said and observed."),
        ("assessment", "Assessment", "Your clinical reading of the session."),
        ("plan", "Plan", "Next steps, homework, what to pick up next time."),
    ],
    SessionNote.Format.BIRP: [
        ("behaviour", "Behaviour", "The client's presentation and what they brought."),
        ("intervention", "Intervention", "What you did in the session."),
        ("response", "Response", "How the client responded to it."),
        ("plan", "Plan", "Next steps, homework, what to pick up next time."),
    ],
}


class SessionNoteVersion(AppendOnlyModel):
    """A snapshot of a note as saved: one row per draft save, never changed afterwards."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    session_date = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    session_type = models.CharField(max_length=12, choices=SessionNote.SessionType.choices)
    modality = models.CharField(max_length=12, choices=SessionNote.Modality.choices)
    note_format = models.CharField(max_length=8, choices=SessionNote.Format.choices)
    content = models.JSONField(default=dict)
    tag_names = models.JSONField(default=list, help_text=_("Tag names as they were at saving."))
    assessment_ids = models.JSONField(
        default=list, help_text=_("Ids of the linked questionnaire responses at saving.")
    )

    class Meta:
        ordering = ["note", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["note", "number"], name="one_note_version_per_number")
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of note {self.note_id}"

    @property
    def sections(self) -> list[tuple[str, str, str]]:
        return [
            (key, label, self.content.get(key, ""))
            for key, label, _help in NOTE_FORMAT_SECTIONS[self.note_format]
        ]


class NoteAddendum(AppendOnlyModel):
    """Text added to a signed note: who, when, what. The note itself is never changed."""

    MAX_LENGTH = 10_000

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(max_length=MAX_LENGTH)

    class Meta:
        ordering = ["note", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Addendum {self.pk} to note {self.note_id}"
