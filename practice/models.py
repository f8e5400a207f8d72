"""Practices (tenants), the people in them, invitations, API tokens and the audit log."""

import hashlib
import secrets
import zoneinfo
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from practice import audit_hash


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (for example Europe/London).")


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def hash_token(raw: str) -> str:
    """Tokens are stored only as a SHA-256 digest: they carry 256 bits of randomness already."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh URL-safe token (256 bits from ``secrets``) and the digest to store."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in (owner or clinician). Clients never log in."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        super().save(*args, **kwargs)


QUESTIONNAIRE_LINK_MAX_DAYS = 60
QUESTIONNAIRE_MAX_REMINDERS = 5


def default_reminder_days() -> list[int]:
    return [2, 5]


def validate_reminder_days(value) -> None:
    """Whole days after sending, each from 1 to 59, in increasing order, at most five."""
    if not isinstance(value, list) or any(
        isinstance(day, bool) or not isinstance(day, int) for day in value
    ):
        raise ValidationError("Give reminder days as whole numbers, for example 2, 5.")
    if len(value) > QUESTIONNAIRE_MAX_REMINDERS:
        raise ValidationError(f"At most {QUESTIONNAIRE_MAX_REMINDERS} reminders.")
    if any(not 1 <= day < QUESTIONNAIRE_LINK_MAX_DAYS for day in value):
        raise ValidationError(
            f"Each reminder day must be from 1 to {QUESTIONNAIRE_LINK_MAX_DAYS - 1}."
        )
    if value != sorted(set(value)):
        raise ValidationError("List each reminder day once, in increasing order.")


REPORT_RETENTION_MAX_DAYS = 365


class PaperSize(models.TextChoices):
    A4 = "A4", "A4"
    LETTER = "Letter", "US Letter"


class Practice(models.Model):
    """The tenant: every record that holds client data reaches one of these."""

    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    report_letterhead = models.TextField(
        blank=True, max_length=1000, help_text="Address and contact lines printed on reports."
    )
    brand_colour = models.CharField(
        max_length=7,
        default="#2f5d62",
        help_text="Accent colour for reports, as #rrggbb.",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #2f5d62.")],
    )
    paper_size = models.CharField(max_length=6, choices=PaperSize.choices, default=PaperSize.A4)
    report_retention_days = models.PositiveSmallIntegerField(
        "keep generated reports for (days)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(REPORT_RETENTION_MAX_DAYS)],
        help_text="PDF reports are deleted this many days after they are ready; a shorter period "
        "also applies to reports already made. They can be generated again.",
    )
    require_mfa = models.BooleanField(
        default=False, help_text="Every member must set up two-factor authentication."
    )
    questionnaire_link_days = models.PositiveSmallIntegerField(
        "questionnaire links valid for (days)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(QUESTIONNAIRE_LINK_MAX_DAYS)],
        help_text="How long a client's questionnaire link works after it is sent.",
    )
    questionnaire_reminder_days = models.JSONField(
        "questionnaire reminders (days after sending)",
        default=default_reminder_days,
        blank=True,
        validators=[validate_reminder_days],
        help_text="Days after sending when an unfinished questionnaire link is sent again.",
    )
    progress_rebuild_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="A rebuild of every dashboard row is wanted (practice.progress); cleared when "
        "one finishes, swept if its message was lost.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        days = self.questionnaire_reminder_days or []
        link_days = self.questionnaire_link_days
        if link_days and any(isinstance(d, int) and d >= link_days for d in days):
            raise ValidationError(
                {
                    "questionnaire_reminder_days": (
                        f"Reminders must come before the link expires (day {link_days})."
                    )
                }
            )


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    CLINICIAN = "clinician", "Clinician"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Membership(models.Model):
    """A user's role in one practice. Owners see every client; clinicians their caseload."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLINICIAN)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="one_membership_per_practice")
        ]
        ordering = ["practice", "user"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.practice})"

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class StaffInvitation(models.Model):
    """An owner's invitation for someone to join the practice; accepted through an e-mailed link."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLINICIAN)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    VALID_FOR = timedelta(days=7)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.practice}"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiToken(models.Model):
    """A personal API token. Only a digest is stored; the key is shown once at creation.

    A token belongs to one practice, the one its owner was acting under when they created it:
    requests made with it act under the user's membership there and see nothing of their
    other practices. It stops working when that membership ends."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="api_tokens", null=True
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=8, help_text="First characters of the key, to tell tokens apart."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    LIST = "list", "Listed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    SHARE = "share", "Shared"
    UNSHARE = "unshare", "Unshared"
    DISCHARGE = "discharge", "Discharged"
    REACTIVATE = "reactivate", "Reactivated"
    DENIED = "denied", "Refused"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for event in objs:
            event.row_hash = audit_hash.row_hash(event.hashed_content())
        return super().bulk_create(objs, *args, **kwargs)


class AuditEvent(models.Model):
    """Who did what to which client record, when and from where. Never clinical content.

    Append-only: rows are never updated or deleted through the ORM, and on PostgreSQL a trigger
    refuses it to raw SQL too (migration 0008), except the sealer's one update that fills
    ``seq`` and ``chain_hash``. The client is kept as a plain id, not a foreign key, so the trail
    outlives the record it describes; a person who acted is deactivated, never deleted (the actor
    is protected rather than set to null, which would rewrite rows).

    ``row_hash`` (set before the INSERT, see ``practice.audit_hash``) covers the row's content;
    the sealer (``practice.audit_chain``) later gives each row its place ``seq`` in one chain and
    ``chain_hash``, so ``manage.py verify_audit`` can tell a changed or missing row.

    Sign-ins and other account events have no practice: owners see those of their members.
    """

    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    actor_email = models.EmailField(blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    client_id = models.UUIDField(null=True, blank=True, db_index=True)
    fields = models.JSONField(default=list, blank=True, help_text="Names of changed fields only.")
    via = models.CharField(max_length=8, default="web")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    count = models.PositiveIntegerField(
        default=1, help_text="How many refusals a 'denied' event stands for (repeats aggregated)."
    )
    row_hash = models.CharField(max_length=64, editable=False)
    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    chain_hash = models.CharField(max_length=64, null=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["practice", "-at"]),
            models.Index(fields=["id"], condition=models.Q(seq=None), name="audit_unsealed"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        self.row_hash = audit_hash.row_hash(self.hashed_content())
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def hashed_content(self) -> dict:
        return {name: getattr(self, name) for name in audit_hash.HASHED_FIELDS}


class AuditChainHead(models.Model):
    """The one row the sealer locks: the last sealed position and its hash.

    It serialises sealers (never requests, which only INSERT events), and it is how
    ``verify_audit`` notices that the newest sealed events were removed.
    """

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=audit_hash.GENESIS)
    sealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"audit chain sealed to {self.last_seq}"


class DeniedAccessTally(models.Model):
    """Refusals (403/404, failed sign-ins, lockouts, refused tokens) counted per source and
    window, so a flood of them writes two audit events, not thousands: the first refusal is
    recorded at once, the repeats as one event with their count when the window closes
    (``practice.audit.close_refusal_windows``). A separate, mutable table because counting on
    the audit row itself would be an UPDATE of an append-only row."""

    key = models.CharField(max_length=64, help_text="Digest of who or where, route and outcome.")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    practice = models.ForeignKey(Practice, null=True, blank=True, on_delete=models.CASCADE)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE)
    actor_email = models.EmailField(blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=list, blank=True)
    via = models.CharField(max_length=8, default="web")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="one_tally_per_window")
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.action} x{self.count} from {self.window_start:%Y-%m-%d %H:%M}"


class OutboundEmail(models.Model):
    """An e-mail the practice sends, kept as a row: the database decides what still has to go.

    ``queue_email()`` in ``practice/emails.py`` renders and stores it; the Celery task
    ``send_outbound_email`` claims it, hands it to Django's mail backend and records the outcome.
    The bodies are cleared once the message is sent, because they may carry one-time links.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="outbound_emails")
    kind = models.CharField(
        max_length=50, help_text="What the e-mail is for, such as staff_invitation."
    )
    to = models.EmailField("to address")
    subject = models.CharField(max_length=255)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(
        max_length=100, blank=True, help_text="The error's kind and code only, never its text."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the row is due; a queued or sending row long past it is re-enqueued.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["practice", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} e-mail {self.pk} ({self.status})"


# --- The caseload dashboard's precomputed rows (practice/progress.py keeps them) ---------------


class ProgressChange(models.TextChoices):
    """A client's change since baseline, across every scored instrument they answered: the worst
    reliable change wins, so a deterioration anywhere is never hidden by an improvement."""

    DETERIORATED = "deteriorated", "Deteriorated"
    IMPROVED = "improved", "Improved"
    NO_CHANGE = "no_change", "No reliable change"
    NOT_AVAILABLE = "not_available", "Reliable change not available"
    NOT_COMPARED = "", "Not compared yet"


class ClientProgress(models.Model):
    """One row per client with what the caseload dashboard shows, so the dashboard reads rows
    instead of scoring: the latest attachment result, change since baseline with its reliable-
    change label, earned security, open alerts, due and overdue questionnaires, last session.

    ``practice.progress.refresh_client_progress`` rewrites the row in the same transaction as
    each event that changes it (a response submitted, an alert raised or acknowledged, a
    questionnaire scheduled, sent, expired or revoked, a session note written); the
    ``rebuild_progress`` command recomputes every row from scratch with the same code.
    """

    client = models.OneToOneField(
        "clients.Client", primary_key=True, on_delete=models.CASCADE, related_name="progress"
    )
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    attachment_instrument = models.ForeignKey(
        "assessments.Instrument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The attachment instrument answered most recently.",
    )
    attachment_at = models.DateTimeField(null=True, blank=True)
    style = models.CharField(
        max_length=24, blank=True, help_text="Quadrant of the latest attachment result, if any."
    )
    anxiety = models.FloatField(null=True, blank=True)
    avoidance = models.FloatField(null=True, blank=True)
    anxiety_change = models.CharField(max_length=40, blank=True)
    avoidance_change = models.CharField(max_length=40, blank=True)
    earned_security = models.CharField(
        max_length=20, blank=True, help_text="earned, quadrant_move_only, not_earned or empty."
    )
    earned_security_since = models.DateTimeField(
        null=True, blank=True, help_text="The administration from which earned security holds."
    )
    change = models.CharField(
        max_length=16,
        choices=ProgressChange.choices,
        blank=True,
        default=ProgressChange.NOT_COMPARED,
    )
    changes = models.JSONField(
        default=list, blank=True, help_text="Per instrument: its name and each subscale's label."
    )
    baselines = models.JSONField(
        default=dict, blank=True, help_text="Instrument id to baseline response id."
    )
    responses = models.PositiveIntegerField(default=0)
    open_alerts = models.PositiveIntegerField(default=0)
    oldest_open_alert_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next scheduled questionnaire is sent."
    )
    awaiting_since = models.DateTimeField(
        null=True, blank=True, help_text="When the oldest unanswered open link was sent."
    )
    link_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first open link stops working."
    )
    missed_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the first link to expire unanswered since the last answer expired.",
    )
    last_completed_at = models.DateTimeField(null=True, blank=True)
    last_session_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["practice", "change"]),
            models.Index(fields=["practice", "earned_security_since"]),
            models.Index(fields=["practice", "last_completed_at"]),
        ]

    def __str__(self) -> str:
        return f"Progress of client {self.client_id}"


class PracticeBaselineScores(models.Model):
    """Every client's baseline score on each subscale of one instrument in one practice: the
    sample reliable change takes the practice's own SD from (assessments/README.md). Kept in
    step with submissions by ``practice.progress``, so no page reads every client's baseline."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(
        "assessments.Instrument", on_delete=models.CASCADE, related_name="+"
    )
    scores = models.JSONField(default=dict, help_text="Subscale key to a list of scores.")
    spread = models.JSONField(
        default=dict,
        help_text="Subscale key to the sample's size and SD ({'n', 'sd'}), derived from scores "
        "on every save: what pages read, so they never load the whole sample.",
    )
    clients = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "instrument"], name="one_baseline_sample_per_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"Baselines of {self.instrument_id} in practice {self.practice_id}"

    def save(self, *args, **kwargs):
        from assessments.scoring import sample_spread

        self.spread = {key: sample_spread(scores) for key, scores in (self.scores or {}).items()}
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "scores" in update_fields:
            kwargs["update_fields"] = {*update_fields, "spread"}
        super().save(*args, **kwargs)
