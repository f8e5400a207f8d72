"""Operations on clients. Each one writes its audit event in the same transaction."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from clients.models import Client, ClientShare, EndReason, Episode
from practice import audit
from practice.models import AuditAction, Membership, Practice, Role, User


def practice_clinicians(practice: Practice):
    """Users who can hold a caseload in ``practice`` (active members of any role)."""
    return User.objects.filter(
        memberships__practice=practice, memberships__is_active=True, is_active=True
    ).order_by("full_name", "email")


def likely_duplicates(user, membership: Membership, email: str, exclude: Client | None = None):
    """Clients ``user`` can see (acting under ``membership``) with the same e-mail address,
    case-insensitive. Only visible ones: the warning must never tell a clinician that a client
    they cannot see exists."""
    if not email:
        return Client.objects.none()
    found = Client.objects.visible_in(user, membership).filter(email__iexact=email.strip())
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found


def _found_among(queryset, field: str, wanted: set[str]) -> set[str]:
    """The values of ``field`` in ``queryset`` that are in ``wanted``, 1,000 per query."""
    ordered = sorted(wanted)
    found: set[str] = set()
    for start in range(0, len(ordered), 1000):
        chunk = queryset.filter(**{f"{field}__in": ordered[start : start + 1000]})
        found.update(chunk.values_list(field, flat=True))
    return found


def visible_duplicate_emails(user, membership: Membership, emails) -> set[str]:
    """``likely_duplicates`` for many addresses at once (an import): those of ``emails``,
    lower-cased, that a client ``user`` can see already has."""
    wanted = {email.strip().lower() for email in emails if email and email.strip()}
    visible = Client.objects.visible_in(user, membership).annotate(email_lower=Lower("email"))
    return _found_among(visible, "email_lower", wanted)


# The practice's own record numbers are unique practice-wide (a database constraint), so a
# clinician may learn that a number is in use; the message names no client and says nothing
# about whether they could see it.
REFERENCE_TAKEN = gettext_lazy("This reference is already in use in the practice; choose another.")


def reference_taken(practice: Practice, value: str, exclude: Client | None = None) -> bool:
    """Whether another client of ``practice`` has the record number ``value``."""
    taken = Client.objects.filter(practice=practice, external_reference=value)
    if exclude is not None and exclude.pk:
        taken = taken.exclude(pk=exclude.pk)
    return taken.exists()


def references_taken(practice: Practice, values) -> set[str]:
    """``reference_taken`` for many record numbers at once (an import): those of ``values``
    another client of ``practice`` already has."""
    wanted = {value for value in values if value}
    return _found_among(Client.objects.filter(practice=practice), "external_reference", wanted)


def check_date_of_birth(value) -> None:
    """A date of birth is neither in the future nor before 1900 (``ValidationError``): the
    client form and the import apply the same rule."""
    if value and value > timezone.localdate():
        raise ValidationError(gettext("The date of birth cannot be in the future."))
    if value and value < datetime.date(1900, 1, 1):
        raise ValidationError(gettext("Please check the year of birth."))


def can_manage(membership: Membership, client: Client) -> bool:
    """Owners and the primary clinician may share, discharge and reactivate; a clinician the
    client was merely shared with may read and edit details, not hand the client on. Only
    within the practice the membership belongs to."""
    return membership.practice_id == client.practice_id and (
        membership.is_owner or client.primary_clinician_id == membership.user_id
    )


def _check_primary_clinician(membership, practice: Practice, clinician, current_id) -> None:
    """The one place of the rule: only owners choose a primary clinician other than the current
    one (on creation: other than themselves), and only an active member of the practice."""
    if clinician is None or clinician.pk == current_id:
        return
    if membership is None or membership.practice_id != practice.pk or not membership.is_owner:
        raise PermissionDenied(gettext("Only an owner can change the primary clinician."))
    if not Membership.objects.active().filter(user=clinician, practice=practice).exists():
        raise ValidationError(
            {"primary_clinician": gettext("Choose an active member of this practice.")}
        )


def create_client(request, practice: Practice, **fields) -> Client:
    """Create a client as the request's user, acting under the request's membership."""
    return add_client(request.user, request.membership, practice, request=request, **fields)


@transaction.atomic
def add_client(actor, membership, practice: Practice, *, request=None, **fields) -> Client:
    """Create a client as ``actor`` acting under ``membership``, audited as theirs: the client
    form and API through ``create_client``, a background import without a request. The primary
    clinician defaults to ``actor``; only an owner may name another."""
    fields.setdefault("primary_clinician", actor)
    fields.setdefault("language", practice.language)
    _check_primary_clinician(membership, practice, fields["primary_clinician"], actor.pk)
    client = Client(practice=practice, **fields)
    client.full_clean()
    client.save()
    Episode.objects.create(practice=practice, client=client, started_at=client.created_at)
    audit.record(request, AuditAction.CREATE, client, fields=fields.keys(), actor=actor)
    return client


@transaction.atomic
def update_client(request, client: Client, changed: list[str]) -> Client:
    """Save a client whose attributes the caller already set; audit the changed field names.
    A change of primary clinician is an owner's (``PermissionDenied`` otherwise)."""
    if "primary_clinician" in changed:
        before = Client.objects.filter(pk=client.pk).values_list("primary_clinician", flat=True)
        _check_primary_clinician(
            request.membership, client.practice, client.primary_clinician, before.get()
        )
    client.full_clean()
    client.save()
    audit.record(request, AuditAction.UPDATE, client, fields=changed)
    return client


def _require_manager(request, client: Client) -> None:
    if not can_manage(request.membership, client):
        raise PermissionDenied(
            gettext("Only the client's primary clinician or an owner can do this.")
        )


@dataclass
class Discharge:
    client: Client
    closed: object  # what ``close_open_work`` returned (the pages': schedules and links closed)


def current_episode(client: Client) -> Episode | None:
    """The client's latest episode of care (open while they are active), or ``None`` for a
    client with none (one made outside ``add_client``, say by a fixture)."""
    return client.episodes.order_by("-started_at", "-pk").first()


def _current_or_first_episode(client: Client) -> Episode:
    """The latest episode, or for a client with none, their first, from their creation."""
    episode = current_episode(client)
    if episode is None:
        episode = Episode.objects.create(
            practice_id=client.practice_id, client=client, started_at=client.created_at
        )
    return episode


def open_first_episodes(clients, first_answers: dict) -> int:
    """One episode of care for each of ``clients`` that has none, as migration 0011 gave the
    clients of its day: from their creation or their first administration
    (``first_answers[client.pk]``, read by the caller: questionnaires sit above this layer),
    whichever is earlier, ended when they were discharged. Returns how many were opened."""
    episodes = [
        Episode(
            practice_id=client.practice_id,
            client=client,
            started_at=min(client.created_at, first_answers.get(client.pk) or client.created_at),
            ended_at=(client.discharged_at or client.updated_at) if not client.is_active else None,
        )
        for client in clients.filter(episodes__isnull=True)
    ]
    Episode.objects.bulk_create(episodes)
    return len(episodes)


@transaction.atomic
def discharge_client(request, client: Client, *, close_open_work, reason: str = "") -> Discharge:
    """Discharge ``client`` (an owner or the primary clinician): the record is kept, nothing
    more reaches the client, and their current episode of care ends, for ``reason`` (an
    ``EndReason``; blank when not given).

    ``close_open_work(client)`` runs in the same transaction and ends whatever would still
    reach them; pages pass ``assessments.services.end_client_questionnaires`` (schedules
    ended, open links revoked). The questionnaire layer sits above this one, so the step is
    handed in, and it is required so that no caller forgets it. It runs for a client already
    discharged too, closing anything left open (say, by a discharge from before it existed).
    """
    _require_manager(request, client)
    if reason and reason not in EndReason.values:
        raise ValidationError({"reason": gettext("Choose why the episode of care ends.")})
    if client.status != Client.Status.DISCHARGED:
        client.status = Client.Status.DISCHARGED
        client.discharged_at = timezone.now()
        client.save(update_fields=["status", "discharged_at", "updated_at"])
        episode = _current_or_first_episode(client)
        episode.ended_at, episode.end_reason = client.discharged_at, reason
        episode.save(update_fields=["ended_at", "end_reason"])
        audit.record(request, AuditAction.DISCHARGE, client, fields=["status"])
        audit.record(request, AuditAction.UPDATE, episode, fields=["ended_at", "end_reason"])
    return Discharge(client=client, closed=close_open_work(client))


@transaction.atomic
def reactivate_client(request, client: Client, *, resume: bool = False) -> Client:
    """Make a discharged ``client`` active again (an owner or the primary clinician). With
    ``resume`` their last episode of care goes on (its end is undone, so the baselines of that
    episode still count); otherwise a new episode starts now, and every instrument's baseline
    starts anew with the first administration in it. A client already active is left as is."""
    _require_manager(request, client)
    if client.status != Client.Status.ACTIVE:
        now = timezone.now()
        client.status = Client.Status.ACTIVE
        client.discharged_at = None
        client.save(update_fields=["status", "discharged_at", "updated_at"])
        last = _current_or_first_episode(client)
        if resume:
            last.ended_at, last.end_reason, last.resumed_at = None, "", now
            last.save(update_fields=["ended_at", "end_reason", "resumed_at"])
            audit.record(request, AuditAction.UPDATE, last, fields=["ended_at", "resumed_at"])
        else:
            if last.ended_at is None:  # left open by a discharge from before episodes
                last.ended_at = now
                last.save(update_fields=["ended_at"])
            new = Episode.objects.create(
                practice_id=client.practice_id, client=client, started_at=now
            )
            audit.record(request, AuditAction.CREATE, new, fields=["started_at"])
        audit.record(request, AuditAction.REACTIVATE, client, fields=["status"])
    return client


@transaction.atomic
def share_client(request, client: Client, clinician) -> ClientShare:
    """Share ``client`` with another active member of the client's practice."""
    _require_manager(request, client)
    if clinician.pk == client.primary_clinician_id:
        raise ValidationError(gettext("This clinician is already the client's primary clinician."))
    is_member = Membership.objects.active().filter(
        user=clinician, practice=client.practice, role__in=[Role.CLINICIAN, Role.OWNER]
    )
    if not is_member.exists():
        raise ValidationError(gettext("You can only share with a member of this practice."))
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


# --- A member leaving ----------------------------------------------------------------------


@transaction.atomic
def hand_over_clients(request, practice: Practice, leaving, successor) -> int:
    """Make ``successor`` the primary clinician of every active client ``leaving`` holds in
    ``practice`` (the leaving member's clients, at deactivation); returns how many.

    Active clients must not stay with someone who has left: their questionnaire e-mails would
    name that person and alert notices (a PHQ-9 item 9 answer) would go to someone who can no
    longer sign in, and to nobody else. So with active clients ``successor`` is required.
    Discharged clients keep their clinician: the record says who treated them, and nothing
    reaches them any more. A share the successor held becomes redundant and is removed.
    Audited per client, like any change of primary clinician."""
    clients = list(
        Client.objects.select_for_update()
        .filter(practice=practice, primary_clinician=leaving, status=Client.Status.ACTIVE)
        .order_by("pk")
    )
    if not clients:
        return 0
    if successor is None or successor.pk == leaving.pk:
        raise ValidationError(
            ngettext(
                "%(clinician)s is the primary clinician of %(count)s active client: "
                "choose who takes them over.",
                "%(clinician)s is the primary clinician of %(count)s active clients: "
                "choose who takes them over.",
                len(clients),
            )
            % {"clinician": leaving, "count": len(clients)}
        )
    if not Membership.objects.active().filter(practice=practice, user=successor).exists():
        raise ValidationError(
            gettext("Choose an active member of this practice to take the clients over.")
        )
    for client in clients:
        client.primary_clinician = successor
        client.save(update_fields=["primary_clinician", "updated_at"])
        audit.record(request, AuditAction.UPDATE, client, fields=["primary_clinician"])
    ClientShare.objects.filter(client__in=clients, clinician=successor).delete()
    return len(clients)


def caseload_holders(practice: Practice):
    """Who can be chosen when filtering by clinician (the dashboard): the practice's active
    members, and anyone who still holds a client of it, deactivated or not, so a caseload stays
    findable after its clinician has left. Each is annotated with ``is_current``."""
    current = Membership.objects.active().filter(practice=practice, user=OuterRef("pk"))
    holds = Client.objects.filter(practice=practice, primary_clinician=OuterRef("pk"))
    return (
        User.objects.annotate(is_current=Exists(current))
        .filter(Q(is_current=True) | Exists(holds))
        .order_by("full_name", "email")
    )
