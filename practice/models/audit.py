"""The audit log: events, the chain head the sealer locks, and the tally of refusals."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice import audit_hash
from practice.models.practices import Practice
from practice.models.users import User


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    SHARE = "share", _("Shared")
    UNSHARE = "unshare", _("Unshared")
    DISCHARGE = "discharge", _("Discharged")
    REACTIVATE = "reactivate", _("Reactivated")
    DENIED = "denied", _("Refused")
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_OUT = "sign_out", _("Signed out")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out")


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
    fields = models.JSONField(
        default=list, blank=True, help_text=_("Names of changed fields only.")
    )
    via = models.CharField(max_length=8, default="web")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    count = models.PositiveIntegerField(
        default=1,
        help_text=_("How many refusals a 'denied' event stands for (repeats aggregated)."),
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

    key = models.CharField(max_length=64, help_text=_("Digest of who or where, route and outcome."))
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
