"""Assignments, the occasions they fall on, and the packets (one e-mail, one link, one visit)
that carry them to the client."""

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments import schedules
from assessments.models.instruments import Instrument, InstrumentVersion
from clients.models import ClientRowsQuerySet
from practice.models import OutboundEmail, Practice, validate_time_zone

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
        ONCE = "once", _("Once")
        EVERY_N_WEEKS = "every_n_weeks", _("Every N weeks")
        MONTHLY = "monthly", _("Monthly")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

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
    start_date = models.DateField(help_text=_("The first occasion's date in the time zone below."))
    send_time = models.TimeField(help_text=_("Local time the e-mail goes out."))
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    end_date = models.DateField(null=True, blank=True)
    max_occasions = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_OCCASIONS)]
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    schedule_from = models.DateTimeField(
        default=timezone.now,
        help_text=_("When the schedule was set or last changed: earlier occasions are not sent."),
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
    def clinician_status(self) -> str:
        """What the clinician reads: a one-off that ended because its only occasion went out
        reads as that occasion's link does ("Queued to send", "Sent once", "Completed"...), not
        "Ended", which stays for assignments the clinician ended. Reads the ``recent_occasions``
        the client page prefetches, else the occasions."""
        if self.status == self.Status.ENDED and self.schedule == self.Schedule.ONCE:
            occasions = getattr(self, "recent_occasions", None)
            if occasions is None:
                occasions = self.occasions.select_related("packet__last_email")
            for occasion in occasions:
                if occasion.status == Occasion.Status.SENT and occasion.packet_id:
                    link = occasion.packet.clinician_status
                    return gettext("Sent once") if link.key == "sent" else link.label
        return self.get_status_display()

    @property
    def description(self) -> str:
        return schedules.describe(
            self.schedule,
            self.start_date,
            self.send_time,
            self.time_zone,
            interval_weeks=self.interval_weeks,
            end_date=self.end_date,
            max_occasions=self.max_occasions,
        )

    @property
    def english_description(self) -> str:
        """The description in English whatever language is active: what the API reports."""
        with translation.override(None):
            return self.description


class OutboundState(models.TextChoices):
    """How far a packet has got, as the clinician sees it."""

    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    OPENED = "opened", _("Opened")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


REMINDER_KIND = "questionnaire_reminder"  # OutboundEmail.kind of a packet's reminders


@dataclass(frozen=True)
class LinkStatus:
    """A link's status as the clinician reads it: the packet's progress, and until the client
    opens the link, how far its e-mail got (a link is not "Sent" while its e-mail waits).
    Label and detail are in the active language (the clinician's pages); the e-mail's error is
    the mail server's, as it came."""

    key: str  # for the CSS class: queued, sent, failed, or the packet's status
    label: str
    detail: str = ""  # the e-mail's last error, if any

    @classmethod
    def of(cls, packet: "Packet") -> "LinkStatus":
        email = packet.last_email
        if packet.status != OutboundState.SENT or email is None:
            return cls(packet.status, packet.get_status_display())
        error = email.last_error
        sent = gettext("Sent")  # the msgid of OutboundState.SENT
        if email.status == OutboundEmail.Status.SENT:
            return cls("sent", sent)
        if email.kind == REMINDER_KIND:  # the link itself went out with the invitation
            if email.status == OutboundEmail.Status.FAILED:
                detail = gettext("reminder not delivered: %(error)s") % {"error": error}
                return cls("sent", sent, detail)
            return cls("sent", sent, gettext("reminder queued to send"))
        if email.status == OutboundEmail.Status.FAILED:
            return cls("failed", gettext("Not delivered"), error)
        retrying = gettext("%(error)s, retrying") % {"error": error} if error else ""
        return cls("queued", gettext("Queued to send"), retrying)


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
    local_date = models.DateField(help_text=_("The client's local day the packet was due."))
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set by the POST that starts the visit, never by a GET.")
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    in_session = models.BooleanField(
        default=False,
        help_text=_("Answered on the clinician's device in session (its responses say so)."),
    )
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    last_email = models.ForeignKey(
        "practice.OutboundEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The latest e-mail with this packet's link (invitation, reminder or resend)."),
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

    @property
    def clinician_status(self) -> LinkStatus:
        """The one status the clinician's pages show for this link (see ``LinkStatus``)."""
        return LinkStatus.of(self)


class PacketToken(models.Model):
    """The digest of one working link to a packet. A reminder adds a link (the first e-mail's
    link keeps working); a resend replaces them all. The raw token exists only in the e-mail."""

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        RESEND = "resend", _("Resent")

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
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled")

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="occasions")
    due_date = models.DateField(help_text=_("Local date in the assignment's time zone."))
    due_at = models.DateTimeField(help_text=_("The send time as a UTC instant."))
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
    def clinician_status(self) -> str:
        """What the client page shows: once sent, its link's status (``LinkStatus``)."""
        if self.status == self.Status.SENT and self.packet_id:
            return self.packet.clinician_status.label
        return self.get_status_display()

    @property
    def display_status(self) -> str:
        """What the API reports: the packet's progress once sent, in English whatever language
        is active (the labels are marked for translation; the API's words are not translated)."""
        with translation.override(None):
            if self.status == self.Status.SENT and self.packet_id:
                return self.packet.get_status_display()
            return self.get_status_display()
