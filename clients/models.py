"""Clients, and who may see them."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from practice.acting import UNBOUND, acting_membership, bound_membership, default_memberships
from practice.models import Practice, Role, validate_time_zone

# The attribute ``ClientQuerySet.get_visible`` sets on a client it returns: the id of the user it
# was checked for. Rows about that client need no second visibility check for the same user.
_CHECKED_FOR = "_visible_to_user_id"


def checked_for(client, user) -> bool:
    """True when ``client`` came from ``Client.objects.get_visible(user, ...)``."""
    return (
        client is not None
        and getattr(user, "is_authenticated", False)
        and getattr(client, _CHECKED_FOR, None) == user.pk
    )


def mark_checked(client, user):
    """Mark ``client``, just loaded through ``Client.objects.visible_to(user)``, as checked for
    ``user``; returns it. Only for that case: the mark lets ``of_client`` skip the check."""
    setattr(client, _CHECKED_FOR, user.pk)
    return client


def _acting(user, membership) -> bool:
    """Whether ``membership`` is ``user``'s own, active, with ``user`` active."""
    return (
        membership is not None
        and membership.is_active
        and membership.user_id == getattr(user, "pk", None)
        and user.is_active
    )


class ClientRowsQuerySet(models.QuerySet):
    """Base of the querysets of rows about clients (notes, reports, questionnaire rows), each
    with a non-null ``practice`` that is its client's: subclasses define ``visible_to(user)``."""

    def visible_in(self, user, membership):
        """Rows about the clients ``Client.objects.visible_in(user, membership)`` returns. An
        owner's are every row of the practice, which the rows' own ``practice`` says."""
        if not _acting(user, membership):
            return self.none()
        if membership.role == Role.OWNER:
            return self.filter(practice_id=membership.practice_id)
        return self.filter(
            practice_id=membership.practice_id,
            client__in=Client.objects.visible_in(user, membership).values("pk"),
        )

    def visible_to(self, user):
        """Rows about clients ``Client.objects.visible_to(user)`` returns; nothing else."""
        membership = bound_membership(user)
        if membership is not UNBOUND:
            return self.visible_in(user, membership)
        return self.filter(client__in=Client.objects.visible_to(user).values("pk"))

    def of_client(self, user, client):
        """``visible_to(user).filter(client=client)``. When ``client`` was itself loaded through
        ``Client.objects.get_visible(user, ...)`` (every client page does), the client is known
        to be visible and every row about it is too, so the visibility subqueries are skipped."""
        if checked_for(client, user):
            return self.filter(client=client)
        return self.visible_to(user).filter(client=client)


class ClientQuerySet(models.QuerySet):
    def get_visible(self, user, **lookup):
        """The one client ``visible_to(user)`` finds with ``lookup`` (``DoesNotExist`` if none),
        marked as checked for ``user`` so rows about it can skip the check (``of_client``)."""
        return mark_checked(self.visible_to(user).get(**lookup), user)

    def visible_to(self, user):
        """The one entry point for client visibility.

        A user acts under exactly one membership (``practice.acting``): the one their request,
        token or task is bound to. Under it, an owner sees every client of that practice and a
        clinician the clients whose primary clinician they are or who were shared with them.
        Clients of the user's other practices are invisible (404) until they switch. Anyone
        without an active membership sees nothing.
        """
        membership = bound_membership(user)
        if membership is not UNBOUND:
            return self.visible_in(user, membership)
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        # Unbound (a test or shell): the default membership, decided inside this query.
        default = default_memberships(user)
        owned = default.filter(role=Role.OWNER).values("practice_id")
        shared = ClientShare.objects.filter(client=OuterRef("pk"), clinician=user)
        return self.filter(
            Q(practice__in=owned)
            | (
                Q(practice__in=default.values("practice_id"))
                & (Q(primary_clinician=user) | Exists(shared))
            )
        )

    def visible_in(self, user, membership):
        """The clients ``user`` sees acting under ``membership`` (one of their own, active):
        every client of the practice for an owner; for a clinician, their own clients and those
        shared with them. ``visible_to(user)`` is this under the membership bound to ``user``."""
        if not _acting(user, membership):
            return self.none()
        clients = self.filter(practice_id=membership.practice_id)
        if membership.role == Role.OWNER:
            return clients
        shared = ClientShare.objects.filter(client=OuterRef("pk"), clinician=user)
        return clients.filter(Q(primary_clinician=user) | Exists(shared))

    def active(self):
        return self.filter(status=Client.Status.ACTIVE)

    def search(self, query: str):
        """Clients whose names or e-mail contain ``query``, or whose reference is exactly it."""
        query = query.strip()
        if not query:
            return self
        return self.filter(
            Q(full_name__icontains=query)
            | Q(preferred_name__icontains=query)
            | Q(email__icontains=query)
            | Q(external_reference__iexact=query)
        )


class Client(models.Model):
    """A person in therapy. Identified in URLs only by a random UUID."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISCHARGED = "discharged", "Discharged"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clients")
    preferred_name = models.CharField(
        max_length=80, help_text="What the client likes to be called; used in e-mails."
    )
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text="Where questionnaire links are sent.")
    date_of_birth = models.DateField(null=True, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Leave blank to use the practice's time zone.",
    )
    primary_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="primary_clients"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    external_reference = models.CharField(
        max_length=64, blank=True, help_text="Your own record number, if you use one."
    )
    discharged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        indexes = [
            models.Index(fields=["practice", "status", "full_name"]),
            models.Index(fields=["primary_clinician", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "external_reference"],
                condition=~Q(external_reference=""),
                name="unique_external_reference_per_practice",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def effective_time_zone(self) -> str:
        return self.time_zone or self.practice.time_zone

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ClientShare(models.Model):
    """A client shared with a clinician other than the primary one."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="shares")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_clients"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "clinician"], name="one_share_per_clinician")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} shared with {self.clinician_id}"


# --- Session notes ---------------------------------------------------------------------------
# Operations on notes live in clients/notes.py; these models only guard what must never happen
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
        THEME = "theme", "Theme"
        INTERVENTION = "intervention", "Intervention"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="note_tags")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.THEME)
    is_active = models.BooleanField(
        default=True, help_text="Archived tags stay on old notes but cannot be chosen."
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
        INDIVIDUAL = "individual", "Individual"
        COUPLE = "couple", "Couple"
        FAMILY = "family", "Family"
        GROUP = "group", "Group"

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video"
        PHONE = "phone", "Phone"

    class Format(models.TextChoices):
        FREE = "free", "Free text"
        SOAP = "soap", "SOAP"
        DAP = "dap", "DAP"
        BIRP = "birp", "BIRP"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

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
    session_date = models.DateField(help_text="The session's date in the client's time zone.")
    duration_minutes = models.PositiveSmallIntegerField()
    session_type = models.CharField(
        max_length=12, choices=SessionType.choices, default=SessionType.INDIVIDUAL
    )
    modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.IN_PERSON)
    note_format = models.CharField(max_length=8, choices=Format.choices, default=Format.FREE)
    content = models.JSONField(default=dict, help_text="Section key to text, per the format.")
    search_text = models.TextField(blank=True, editable=False, help_text="Sections joined.")
    tags = models.ManyToManyField(NoteTag, blank=True, related_name="notes")
    assessments = models.ManyToManyField(
        "assessments.Response",
        blank=True,
        related_name="session_notes",
        help_text="The client's submitted questionnaires discussed in the session.",
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
    tag_names = models.JSONField(default=list, help_text="Tag names as they were at saving.")
    assessment_ids = models.JSONField(
        default=list, help_text="Ids of the linked questionnaire responses at saving."
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


# --- Reports ---------------------------------------------------------------------------------
# Operations on reports live in clients/reports/services.py; the Celery task only calls them.
# A report is a row first: the row, never the broker, decides what still has to be rendered.


class ReportQuerySet(ClientRowsQuerySet):
    def unfinished(self):
        return self.filter(status__in=Report.UNFINISHED)


class ReportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Batches are an owners' tool: the owners of the practice ``user`` acts under see its
        batches; everybody else, and every other practice, sees none."""
        membership = acting_membership(user)
        if not _acting(user, membership) or membership.role != Role.OWNER:
            return self.none()
        return self.filter(practice_id=membership.practice_id)


class ReportBatch(models.Model):
    """Reports an owner requested for many clients at once; progress is counted from them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="report_batches")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scope = models.CharField(
        max_length=200, help_text="Which clients, in words, e.g. 'Active clients of Bob'."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when no report of the batch is waiting any more."
    )
    seen_at = models.DateTimeField(
        null=True, blank=True, help_text="When the requester saw the finished batch."
    )

    objects = ReportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "finished_at", "seen_at"])]

    def __str__(self) -> str:
        return f"Report batch {self.pk}"


class Report(models.Model):
    """A PDF report about one client: requested on a page or the API, rendered by a worker.

    ``status`` moves queued -> rendering -> ready or failed; the sweeper puts a row whose worker
    vanished back to queued; a ready report's file is deleted after the practice's retention and
    the row becomes expired. The file lives in the default storage under ``file_name`` and is
    only ever served by the audited download view, never by a media URL.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    class Audience(models.TextChoices):
        CLINICAL = "clinical", "Clinical record"
        CLIENT = "client", "Client-friendly"

    UNFINISHED = (Status.QUEUED, Status.RENDERING)
    FINISHED = (Status.READY, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="reports")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="reports")
    batch = models.ForeignKey(
        ReportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.CLINICAL)
    period_start = models.DateField()
    period_end = models.DateField()
    instruments = models.JSONField(
        default=list, blank=True, help_text="Instrument codes; empty means every one with data."
    )
    include_notes = models.BooleanField(
        default=False, help_text="Session-note summaries (clinical record only)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent, 0-100.")
    error_message = models.CharField(
        max_length=300, blank=True, help_text="Safe to show: never clinical content."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text="When a queued row is due; one long past it lost its message.",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A rendering row past this belonged to a worker that died."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    seen_at = models.DateTimeField(
        null=True, blank=True, help_text="When the requester saw the finished report."
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-requested_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["status", "finished_at"]),
            models.Index(fields=["requested_by", "status", "seen_at"]),
            models.Index(fields=["batch", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="report_period_in_order"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="report_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.status})"

    @property
    def short_id(self) -> str:
        return self.pk.hex[:8]

    @property
    def download_name(self) -> str:
        """The file name a browser saves: no client name, only the report's short id."""
        return f"report-{self.short_id}.pdf"

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def can_retry(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.EXPIRED)

    @property
    def expires_at(self):
        """When the file is deleted, by the practice's current retention."""
        if self.status != self.Status.READY or self.finished_at is None:
            return None
        return self.finished_at + timedelta(days=self.practice.report_retention_days)
