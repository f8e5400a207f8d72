"""Instruments and their immutable versions, licence acknowledgements, and the numbers a
practice enters (with citations) for classification and reliable change.

The definition itself is data (``assessments/instruments/*.yaml``, read by
``assessments/loader.py``); these models store what was loaded, so a response can keep the exact
version it was answered on.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from clients.models import ClientRowsQuerySet
from practice.models import Practice, validate_time_zone


class InstrumentQuerySet(models.QuerySet):
    def available_to(self, practice: Practice | None):
        """The one scoping entry point: the shipped library plus ``practice``'s own custom
        instruments. Another practice's custom instruments are simply not there (404)."""
        if practice is None:
            return self.none()
        return self.filter(Q(practice__isnull=True) | Q(practice=practice), is_active=True)

    def shipped(self):
        return self.filter(practice__isnull=True, is_active=True)

    def with_acknowledgement(self, practice: Practice):
        """Annotate ``licence_acknowledged``: an owner of ``practice`` acknowledged the licence
        note of the instrument's current version."""
        acknowledged = LicenceAcknowledgement.objects.filter(
            practice=practice,
            instrument=OuterRef("pk"),
            licence_hash=OuterRef("current_version__licence_hash"),
        )
        return self.annotate(licence_acknowledged=Exists(acknowledged))

    def usable_in(self, practice: Practice | None):
        """Available to ``practice`` and cleared for use by its owner's acknowledgement."""
        if practice is None:
            return self.none()
        return (
            self.available_to(practice)
            .with_acknowledgement(practice)
            .filter(licence_acknowledged=True)
        )


class Instrument(models.Model):
    """A questionnaire: shipped with Attune (``practice`` empty) or a practice's own upload."""

    code = models.SlugField(max_length=40)
    practice = models.ForeignKey(
        Practice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="custom_instruments",
        help_text="Empty for the shipped library; the owning practice for a custom instrument.",
    )
    name = models.CharField(max_length=200)
    family = models.CharField(
        max_length=40, blank=True, help_text="Set when one file defines several domains."
    )
    current_version = models.ForeignKey(
        "InstrumentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(
        default=True, help_text="False once a shipped file leaves the library; versions stay."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(practice__isnull=True),
                name="unique_shipped_instrument_code",
            ),
            models.UniqueConstraint(
                fields=["practice", "code"],
                condition=Q(practice__isnull=False),
                name="unique_custom_instrument_code_per_practice",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_custom(self) -> bool:
        return self.practice_id is not None

    @property
    def definition(self) -> dict:
        return self.current_version.definition


class InstrumentVersion(models.Model):
    """One exact definition of an instrument. Never changed: a changed file is a new version, and
    a response keeps the version it was answered on."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=40, help_text="The version the file gives itself.")
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    licence_hash = models.CharField(max_length=64)
    source_name = models.CharField(max_length=255, help_text="The file it was loaded from.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="unique_version_number"),
            models.UniqueConstraint(
                fields=["instrument", "content_hash"], name="unique_version_content"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("An instrument version is immutable; load a new version.")
        super().save(*args, **kwargs)


class LicenceAcknowledgement(models.Model):
    """An owner acknowledged an instrument's licence note for the practice. Tied to the note's
    hash: a version with a changed note needs acknowledging again."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="licence_acknowledgements"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    licence_hash = models.CharField(max_length=64)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by_email = models.EmailField(blank=True)
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "instrument", "licence_hash"],
                name="one_acknowledgement_per_licence_note",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} licence acknowledged for practice {self.practice_id}"


class ClassificationRule(models.TextChoices):
    DEFAULT = "", "The instrument's default rule"
    MIDPOINT = "midpoint", "Scale midpoint"
    NORM = "norm", "Norm means (needs cited norms)"


class PracticeInstrumentSettings(models.Model):
    """How one practice classifies and judges change on one instrument. Empty fields mean
    "as the instrument file says"."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="instrument_settings"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="practice_settings"
    )
    classification_rule = models.CharField(
        max_length=10, choices=ClassificationRule.choices, blank=True, default=""
    )
    rci_critical_value = models.DecimalField(
        "reliable change critical value",
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5)],
        help_text="|RCI| above this is reliable change. Leave empty for the file's value (1.96).",
    )
    min_baselines = models.PositiveSmallIntegerField(
        "baselines needed for the practice's own SD",
        null=True,
        blank=True,
        validators=[MinValueValidator(2)],
        help_text="Leave empty for the file's value.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "instrument"], name="one_settings_row_per_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"Settings for {self.instrument.code} in practice {self.practice_id}"


class CitedValueKind(models.TextChoices):
    RELIABILITY = "reliability", "Reliability coefficient"
    SD = "sd", "Standard deviation"
    NORM_MEAN = "norm_mean", "Norm mean (for the norm-based split)"


class PracticeCitedValue(models.Model):
    """A number a practice enters for one subscale, always with its citation. These come first
    when reliable change and the norm-based split look for their numbers."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="cited_values")
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="cited_values"
    )
    subscale = models.CharField(max_length=40)
    kind = models.CharField(max_length=12, choices=CitedValueKind.choices)
    value = models.DecimalField(max_digits=10, decimal_places=4)
    citation = models.TextField(help_text="Where the number comes from: authors, year, table.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["instrument", "subscale", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "instrument", "subscale", "kind"],
                name="one_cited_value_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} {self.subscale} {self.kind} = {self.value}"

    def clean(self):
        if not (self.citation or "").strip():
            raise ValidationError({"citation": "Give the source of this number."})
        if self.value is None:
            return
        if self.kind == CitedValueKind.RELIABILITY and not 0 < self.value < 1:
            raise ValidationError({"value": "A reliability coefficient lies between 0 and 1."})
        if self.kind == CitedValueKind.SD and self.value <= 0:
            raise ValidationError({"value": "A standard deviation must be above 0."})


# --- Assignments, occasions, packets and responses -------------------------------------------
# Operations live in assessments/services/ (assignments.py, packets.py, responses.py); these
# models hold the rows the scheduler, the client's form and the clinician's pages work from.
# Every one holds client data and carries a direct ``practice`` for cheap scoping.


class ClientScopedQuerySet(ClientRowsQuerySet):
    """Rows about clients, visible as ``ClientRowsQuerySet.visible_to`` says."""


class Assignment(models.Model):
    """A clinician's request that a client answers some instruments, once or on a schedule.

    Occasions (the dates it falls on) are computed in ``time_zone`` (copied from the client when
    the assignment is made), so they keep their local send time across daylight-saving changes.
    """

    class Schedule(models.TextChoices):
        ONCE = "once", "Once"
        EVERY_N_WEEKS = "every_n_weeks", "Every N weeks"
        MONTHLY = "monthly", "Monthly"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    MAX_INTERVAL_WEEKS = 52
    MAX_OCCASIONS = 520

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="assignments")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="assignments"
    )
    instruments = models.ManyToManyField(Instrument, related_name="assignments")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule = models.CharField(max_length=16, choices=Schedule.choices, default=Schedule.ONCE)
    interval_weeks = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INTERVAL_WEEKS)],
    )
    start_date = models.DateField(help_text="The first occasion's date in the time zone below.")
    send_time = models.TimeField(help_text="Local time the e-mail goes out.")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    end_date = models.DateField(null=True, blank=True)
    max_occasions = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_OCCASIONS)]
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    schedule_from = models.DateTimeField(
        default=timezone.now,
        help_text="When the schedule was set or last changed: earlier occasions are not sent.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(schedule="every_n_weeks") | Q(interval_weeks__isnull=False),
                name="every_n_weeks_has_interval",
            )
        ]

    def __str__(self) -> str:
        return f"Assignment {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.ENDED

    @property
    def description(self) -> str:
        from assessments import schedules

        return schedules.describe(
            self.schedule,
            self.start_date,
            self.send_time,
            self.time_zone,
            interval_weeks=self.interval_weeks,
            end_date=self.end_date,
            max_occasions=self.max_occasions,
        )


class OutboundState(models.TextChoices):
    """How far a packet has got, as the clinician sees it."""

    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class PacketQuerySet(ClientScopedQuerySet):
    def open(self):
        return self.filter(status__in=Packet.OPEN_STATUSES)


class Packet(models.Model):
    """One e-mail, one link, one visit: everything due for a client on one local day.

    The link's token is never stored; ``PacketToken`` keeps only its SHA-256 digest.
    """

    Status = OutboundState
    OPEN_STATUSES = (Status.SENT, Status.OPENED, Status.IN_PROGRESS)

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="packets")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="packets")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    local_date = models.DateField(help_text="The client's local day the packet was due.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by the POST that starts the visit, never by a GET."
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    last_email = models.ForeignKey(
        "practice.OutboundEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The latest e-mail with this packet's link (invitation, reminder or resend).",
    )

    objects = PacketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_reminder_at"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["client", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Packet {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class PacketToken(models.Model):
    """The digest of one working link to a packet. A reminder adds a link (the first e-mail's
    link keeps working); a resend replaces them all. The raw token exists only in the e-mail."""

    class Purpose(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        REMINDER = "reminder", "Reminder"
        RESEND = "resend", "Resent"

    packet = models.ForeignKey(Packet, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.purpose} link for packet {self.packet_id}"


class PacketItem(models.Model):
    """One questionnaire in a packet, on the instrument version current when the packet was
    built. ``draft_answers`` are saved page by page, so the client can resume another day."""

    packet = models.ForeignKey(Packet, on_delete=models.CASCADE, related_name="items")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField()
    draft_answers = models.JSONField(default=dict, blank=True)
    completed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["packet", "position"]
        constraints = [
            models.UniqueConstraint(fields=["packet", "position"], name="one_item_per_position"),
            models.UniqueConstraint(
                fields=["packet", "instrument"], name="one_item_per_instrument_per_packet"
            ),
        ]

    def __str__(self) -> str:
        return f"Item {self.position} of packet {self.packet_id}"

    @property
    def definition(self) -> dict:
        return self.instrument_version.definition


class Occasion(models.Model):
    """One date an assignment falls on. A row before any e-mail is sent: the scheduler claims it
    with a compare-and-set on ``status``, so it is sent once however many workers run."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="occasions")
    due_date = models.DateField(help_text="Local date in the assignment's time zone.")
    due_at = models.DateTimeField(help_text="The send time as a UTC instant.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    skip_reason = models.CharField(max_length=120, blank=True)
    packet = models.ForeignKey(
        Packet, null=True, blank=True, on_delete=models.PROTECT, related_name="occasions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "due_date"],
                condition=~Q(status="cancelled"),
                name="one_live_occasion_per_assignment_day",
            )
        ]

    def __str__(self) -> str:
        return f"Occasion {self.pk} of assignment {self.assignment_id}"

    @property
    def display_status(self) -> str:
        """What the clinician sees: the packet's progress once sent."""
        if self.status == self.Status.SENT and self.packet_id:
            return self.packet.get_status_display()
        return self.get_status_display()


class Response(models.Model):
    """A submitted questionnaire: raw answers, the instrument version they were given on, and the
    engine's result, stored in the same transaction. Never changed afterwards."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="responses")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="responses")
    packet_item = models.OneToOneField(
        PacketItem, on_delete=models.PROTECT, related_name="response"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="responses"
    )
    answers = models.JSONField(help_text="Item number to answer, as the client gave them.")
    result = models.JSONField(help_text="The scoring engine's result.")
    status = models.CharField(max_length=12, help_text="The engine's status: complete/incomplete.")
    total = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=60, blank=True)
    scores = models.JSONField(
        default=dict, blank=True, help_text="Subscale key to {label, score, band}."
    )
    quadrant = models.CharField(max_length=24, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["client", "instrument", "-submitted_at"])]

    def __str__(self) -> str:
        return f"Response {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A submitted response is never changed.")
        super().save(*args, **kwargs)

    @property
    def style_label(self) -> str:
        style = (self.result or {}).get("style") or {}
        return style.get("label") or ""


class ClientInstrumentSummary(models.Model):
    """Per client and instrument: the baseline, previous and latest responses, kept in step with
    each submission so "latest scores per client" is one indexed read."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="instrument_summaries"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    baseline = models.ForeignKey(Response, null=True, on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latest = models.ForeignKey(Response, null=True, on_delete=models.PROTECT, related_name="+")
    responses_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["instrument__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "instrument"], name="one_summary_per_client_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"Summary of {self.instrument_id} for {self.client_id}"


class AlertQuerySet(ClientScopedQuerySet):
    def open(self):
        return self.filter(acknowledged_at__isnull=True)


class Alert(models.Model):
    """An instrument's alert rule fired on a response. Visible until a clinician acknowledges it."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="alerts")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="alerts")
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="alerts")
    rule_key = models.CharField(max_length=60)
    rule_label = models.CharField(max_length=200, help_text="The rule, e.g. Item 9 above 0.")
    guidance = models.TextField(blank=True, help_text="The instrument file's message.")
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    notice_email = models.ForeignKey(
        "practice.OutboundEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["practice", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"Alert {self.pk} ({self.rule_key})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
