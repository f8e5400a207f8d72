"""Clients, and who may see them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from practice.models import Membership, Practice, Role, validate_time_zone


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one entry point for client visibility.

        Owners see every client of their practices; clinicians see clients whose primary
        clinician they are or who were shared with them, within practices where they hold an
        active membership. Anyone else sees nothing.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        memberships = Membership.objects.active().filter(user=user)
        owned = memberships.filter(role=Role.OWNER).values("practice_id")
        member_of = memberships.values("practice_id")
        shared = ClientShare.objects.filter(client=OuterRef("pk"), clinician=user)
        return self.filter(
            Q(practice__in=owned)
            | (Q(practice__in=member_of) & (Q(primary_clinician=user) | Exists(shared)))
        )

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
