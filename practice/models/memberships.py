"""Who acts in a practice: roles and memberships, the invitations that create them, personal API
tokens, and the token helpers every e-mailed link and API key uses."""

import hashlib
import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.models.practices import Practice
from practice.models.users import User


def hash_token(raw: str) -> str:
    """Tokens are stored only as a SHA-256 digest: they carry 256 bits of randomness already."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh URL-safe token (256 bits from ``secrets``) and the digest to store."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def new_api_key() -> tuple[str, str]:
    """A fresh API key and its digest: a ``new_token`` that starts with a letter or digit.

    Its first characters are how its owner names it to ``create_api_token --revoke``, and a
    key starting with ``-`` would be read there as an option (about one draw in 32)."""
    raw, digest = new_token()
    while not raw[0].isalnum():
        raw, digest = new_token()
    return raw, digest


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    CLINICIAN = "clinician", _("Clinician")


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
    guide_dismissed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When this member closed the dashboard's first-run guide (or finished it)."),
    )

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
    other practices. It stops working when that membership ends, when it is revoked, or at
    ``expires_at``. A read-only token may only read (GET, HEAD, OPTIONS)."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="api_tokens", null=True
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=8, help_text=_("First characters of the key, to tell tokens apart.")
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ_WRITE)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the token stops working; never if empty.")
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_read_only(self) -> bool:
        return self.scope == self.Scope.READ
