"""Operations on clients. Each one writes its audit event in the same transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client, ClientShare
from practice import audit
from practice.models import AuditAction, Membership, Practice, Role


def practice_clinicians(practice: Practice):
    """Users who can hold a caseload in ``practice`` (active members of any role)."""
    from practice.models import User

    return User.objects.filter(
        memberships__practice=practice, memberships__is_active=True, is_active=True
    ).order_by("full_name", "email")


def likely_duplicates(practice: Practice, email: str, exclude: Client | None = None):
    """Clients of the practice with the same e-mail address (case-insensitive)."""
    if not email:
        return Client.objects.none()
    found = Client.objects.filter(practice=practice, email__iexact=email.strip())
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found


def can_manage(membership: Membership, client: Client) -> bool:
    """Owners and the primary clinician may share, discharge and reassign; a clinician the
    client was merely shared with may read and edit details, not hand the client on."""
    return membership.is_owner or client.primary_clinician_id == membership.user_id


@transaction.atomic
def create_client(request, practice: Practice, **fields) -> Client:
    client = Client(practice=practice, **fields)
    client.full_clean()
    client.save()
    audit.record(request, AuditAction.CREATE, client, fields=fields.keys())
    return client


@transaction.atomic
def update_client(request, client: Client, changed: list[str]) -> Client:
    """Save a client whose attributes the caller already set; audit the changed field names."""
    client.full_clean()
    client.save()
    audit.record(request, AuditAction.UPDATE, client, fields=changed)
    return client


def _require_manager(request, client: Client) -> None:
    if not can_manage(request.membership, client):
        raise PermissionDenied("Only the client's primary clinician or an owner can do this.")


@transaction.atomic
def discharge_client(request, client: Client) -> Client:
    _require_manager(request, client)
    if client.status != Client.Status.DISCHARGED:
        client.status = Client.Status.DISCHARGED
        client.discharged_at = timezone.now()
        client.save(update_fields=["status", "discharged_at", "updated_at"])
        audit.record(request, AuditAction.DISCHARGE, client, fields=["status"])
    return client


@transaction.atomic
def reactivate_client(request, client: Client) -> Client:
    _require_manager(request, client)
    if client.status != Client.Status.ACTIVE:
        client.status = Client.Status.ACTIVE
        client.discharged_at = None
        client.save(update_fields=["status", "discharged_at", "updated_at"])
        audit.record(request, AuditAction.REACTIVATE, client, fields=["status"])
    return client


@transaction.atomic
def share_client(request, client: Client, clinician) -> ClientShare:
    """Share ``client`` with another active member of the client's practice."""
    _require_manager(request, client)
    if clinician.pk == client.primary_clinician_id:
        raise ValidationError("This clinician is already the client's primary clinician.")
    is_member = Membership.objects.active().filter(
        user=clinician, practice=client.practice, role__in=[Role.CLINICIAN, Role.OWNER]
    )
    if not is_member.exists():
        raise ValidationError("You can only share with a member of this practice.")
    share, created = ClientShare.objects.get_or_create(
        client=client, clinician=clinician, defaults={"shared_by": request.user}
    )
    if created:
        audit.record(request, AuditAction.SHARE, client, fields=["shared_with"])
    return share


@transaction.atomic
def unshare_client(request, client: Client, clinician_id: int) -> None:
    _require_manager(request, client)
    deleted, _ = ClientShare.objects.filter(client=client, clinician_id=clinician_id).delete()
    if deleted:
        audit.record(request, AuditAction.UNSHARE, client, fields=["shared_with"])
