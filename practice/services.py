"""Operations on practices and the people in them: invitations, roles, API tokens, settings.

Views and management commands call these; each writes its audit event in the same transaction.
Functions that send e-mail say so in their docstring.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from practice import audit, emails
from practice.models import (
    ApiToken,
    AuditAction,
    Membership,
    Practice,
    Role,
    StaffInvitation,
    User,
    hash_token,
    new_api_key,
    new_token,
)

# --- Team ------------------------------------------------------------------------------------


def team_members(practice: Practice):
    """Every membership of ``practice`` (active first), each with ``has_totp`` annotated."""
    from allauth.mfa.models import Authenticator

    has_totp = Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
    return (
        Membership.objects.filter(practice=practice)
        .select_related("user")
        .annotate(has_totp=Exists(has_totp))
        .order_by("-is_active", "user__full_name", "user__email")
    )


def open_invitations(practice: Practice):
    """Invitations neither accepted nor revoked: pending ones and expired ones to resend."""
    return StaffInvitation.objects.filter(
        practice=practice, accepted_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at")


def _active_owner_ids(practice: Practice) -> set[int]:
    """Lock and return the practice's active owner memberships, so two owners demoting each
    other at the same moment cannot leave the practice without one."""
    owners = (
        Membership.objects.active()
        .select_for_update(of=("self",))
        .filter(practice=practice, role=Role.OWNER)
    )
    return set(owners.values_list("pk", flat=True))


def _require_another_owner(membership: Membership) -> None:
    if _active_owner_ids(membership.practice) <= {membership.pk}:
        raise ValidationError(
            gettext("A practice needs at least one active owner. Make someone else an owner first.")
        )


@transaction.atomic
def change_role(request, membership: Membership, role: str) -> Membership:
    """Give ``membership`` another role; the last active owner cannot be demoted."""
    if role not in Role.values:
        raise ValidationError(gettext("Choose a role from the list."))
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER and membership.is_active:
        _require_another_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(request, AuditAction.UPDATE, membership, fields=["role"])
    return membership


@dataclass
class Deactivation:
    """What deactivating a member did, for the owner's confirmation message."""

    membership: Membership
    handed_over: object = None  # what ``hand_over`` returned (the page's: clients reassigned)
    sessions_ended: int = 0
    tokens_revoked: int = 0


def end_sessions(user: User) -> int:
    """Delete every stored session signed in as ``user``, so their open browsers are signed out
    at once instead of at the idle timeout. Returns how many.

    Sessions live in the database (``SESSION_ENGINE`` is Django's default, ``db``; ``cached_db``
    works too: each key is deleted through its store). A session is found by decoding it, as
    there is no user column; a practice has few live sessions. With an engine that cannot be
    listed (cache only, signed cookies) nothing is deleted, and ``member_required`` still stops
    such a session at its next page."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    wanted = str(user.pk)
    ended = 0
    rows = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for key, data in rows.values_list("session_key", "session_data").iterator():
        if str(store().decode(data).get(SESSION_KEY)) == wanted:
            store(session_key=key).delete()
            ended += 1
    return ended


def _revoke_tokens(request, tokens, practice: Practice) -> int:
    """Revoke ``tokens`` still working, each audited in its own practice (``practice`` for a
    token bound to none); returns how many."""
    now = timezone.now()
    revoked = 0
    for token in tokens.filter(revoked_at__isnull=True).select_related("practice"):
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            audit.record(
                request,
                AuditAction.DELETE,
                token,
                practice=token.practice or practice,
                fields=["revoked_at"],
            )
            revoked += 1
    return revoked


@transaction.atomic
def deactivate_member(request, membership: Membership, *, hand_over=None) -> Deactivation:
    """Take away ``membership``'s access to the practice. Nothing they recorded is deleted.

    ``hand_over(membership)`` runs first, in the same transaction: the team page passes the
    reassignment of the member's clients (``clients.services.hand_over_clients``; client
    records sit above this layer, so the step is handed in). If it raises, nothing changes.

    Their API tokens for this practice are revoked. A person left with no active membership is
    signed out everywhere (every stored session of theirs is deleted, this browser's too when
    owners deactivate themselves) and all their tokens are revoked. A member of another
    practice keeps that access: their sessions then act under the other practice and their
    tokens for it keep working. Audited.

    The last active owner cannot be deactivated."""
    result = Deactivation(membership=membership)
    if not membership.is_active:
        return result
    if membership.role == Role.OWNER:
        _require_another_owner(membership)
    if hand_over is not None:
        result.handed_over = hand_over(membership)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    user, practice = membership.user, membership.practice
    signs_out = not Membership.objects.active().filter(user=user).exists()
    fields = ["is_active", "sessions"] if signs_out else ["is_active"]
    audit.record(request, AuditAction.UPDATE, membership, fields=fields)
    # A token belongs to one practice: this practice's stop; with no practice left, all do.
    tokens = user.api_tokens.all() if signs_out else user.api_tokens.filter(practice=practice)
    result.tokens_revoked = _revoke_tokens(request, tokens, practice)
    if signs_out:
        result.sessions_ended = end_sessions(user)
        if request is not None and request.user.pk == user.pk:
            logout(request)  # an owner who left: this browser gets a fresh anonymous session
    return result


@transaction.atomic
def reactivate_member(request, membership: Membership) -> Membership:
    """Give a deactivated member their access back, with the role they had."""
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        audit.record(request, AuditAction.REACTIVATE, membership, fields=["is_active"])
    return membership


# --- Invitations -----------------------------------------------------------------------------


def invitation_url(raw_token: str) -> str:
    """The absolute acceptance link for an invitation token."""
    return settings.SITE_URL + reverse("invitation_accept", args=[raw_token])


def send_invitation_email(invitation: StaffInvitation, raw_token: str) -> None:
    """Queue the e-mail with the acceptance link (sent once the transaction commits).

    The message names the practice and the role only: no personal data."""
    emails.queue_email(
        practice=invitation.practice,
        to=invitation.email,
        template="emails/staff_invitation",
        context={
            "url": invitation_url(raw_token),
            "action_url": invitation_url(raw_token),
            "action_label": gettext("Accept the invitation"),
            "expires_at": invitation.expires_at,
            "role": invitation.get_role_display(),
        },
        kind="staff_invitation",
    )


def check_can_invite(practice: Practice, email: str) -> None:
    """Raise ``ValidationError`` if ``email`` is already in the team or already invited."""
    email = email.strip().lower()
    existing = Membership.objects.filter(practice=practice, user__email=email).first()
    if existing is not None and existing.is_active and existing.user.is_active:
        raise ValidationError(gettext("This person is already a member of the practice."))
    if existing is not None:
        raise ValidationError(
            gettext("This person was a member before: reactivate them in the team list instead.")
        )
    pending = open_invitations(practice).filter(email=email, expires_at__gt=timezone.now())
    if pending.exists():
        raise ValidationError(
            gettext("An invitation to this address is still open: resend it from the list instead.")
        )


def _new_invitation(practice, email, full_name, role, invited_by) -> tuple[StaffInvitation, str]:
    raw, digest = new_token()
    invitation = StaffInvitation.objects.create(
        practice=practice,
        email=email.strip().lower(),
        full_name=full_name.strip(),
        role=role,
        token_hash=digest,
        invited_by=invited_by,
        expires_at=timezone.now() + StaffInvitation.VALID_FOR,
    )
    return invitation, raw


@transaction.atomic
def invite_staff(
    request, practice: Practice, email: str, full_name: str = "", role: str = Role.CLINICIAN
) -> StaffInvitation:
    """Invite ``email`` to join ``practice`` with ``role`` and e-mail them the link.

    Only the token's digest is stored. Raises ``ValidationError`` for someone already in the
    team or already invited.
    """
    check_can_invite(practice, email)
    invitation, raw = _new_invitation(practice, email, full_name, role, request.user)
    audit.record(request, AuditAction.CREATE, invitation, fields=["email", "role"])
    send_invitation_email(invitation, raw)
    return invitation


@transaction.atomic
def resend_invitation(request, invitation: StaffInvitation) -> StaffInvitation:
    """Issue a fresh link (the old one stops working), restart the 7 days, and e-mail it.

    Invitations are never e-mailed twice with the same link: only the digest is kept."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(gettext("This invitation was already used or withdrawn."))
    raw, digest = new_token()
    invitation.token_hash = digest
    invitation.expires_at = timezone.now() + StaffInvitation.VALID_FOR
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit.record(request, AuditAction.UPDATE, invitation, fields=["expires_at", "token"])
    send_invitation_email(invitation, raw)
    return invitation


@transaction.atomic
def revoke_invitation(request, invitation: StaffInvitation) -> StaffInvitation:
    """Withdraw an open invitation; its link then shows the invalid-link page."""
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(request, AuditAction.DELETE, invitation, fields=["revoked_at"])
    return invitation


def usable_invitation(raw_token: str) -> StaffInvitation | None:
    """The open, unexpired invitation with this token, or ``None`` for any other token."""
    invitation = (
        StaffInvitation.objects.select_related("practice")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return None
    return invitation


def existing_account(invitation: StaffInvitation) -> User | None:
    """The account already registered with the invitation's address, if any."""
    return User.objects.filter(email=invitation.email).first()


@dataclass
class Acceptance:
    user: User
    membership: Membership
    created_user: bool


@transaction.atomic
def accept_invitation(
    request, raw_token: str, *, user: User | None = None, full_name: str = "", password: str = ""
) -> Acceptance | None:
    """Accept the invitation with ``raw_token``: make the membership and mark it used.

    Pass ``user`` (the signed-in account with the invited address) to attach the membership to
    an existing account; otherwise a new account is created with ``password``. Returns ``None``
    if the token is not usable any more (including a second, simultaneous acceptance).
    """
    invitation = (
        StaffInvitation.objects.select_for_update(of=("self",))
        .select_related("practice")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return None
    created_user = user is None
    if user is None:
        if existing_account(invitation) is not None:
            raise ValidationError(gettext("An account with this address exists: log in to accept."))
        user = User.objects.create_user(
            invitation.email, password, full_name=full_name.strip() or invitation.full_name
        )
    elif user.email != invitation.email:
        raise ValidationError(gettext("This invitation is for another account."))
    membership, _ = Membership.objects.update_or_create(
        user=user,
        practice=invitation.practice,
        defaults={"role": invitation.role, "is_active": True},
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(request, AuditAction.CREATE, membership, fields=["role"], actor=user)
    return Acceptance(user=user, membership=membership, created_user=created_user)


# --- Practices --------------------------------------------------------------------------------


@transaction.atomic
def create_practice(name: str, owner_email: str, time_zone: str) -> tuple[Practice, str]:
    """Create a practice and an owner invitation for ``owner_email`` (a fresh install's first
    step). Returns the practice and the raw invitation token; sends no e-mail."""
    practice = Practice(name=name.strip(), time_zone=time_zone)
    practice.full_clean()
    practice.save()
    invitation, raw = _new_invitation(practice, owner_email, "", Role.OWNER, None)
    audit.record(None, AuditAction.CREATE, practice, practice=practice, fields=["name"])
    audit.record(None, AuditAction.CREATE, invitation, fields=["email", "role"])
    return practice, raw


@transaction.atomic
def update_practice_settings(request, practice: Practice, changed: list[str]) -> Practice:
    """Save settings the caller already set and validated; audit the changed field names."""
    practice.full_clean()
    practice.save()
    if changed:
        audit.record(request, AuditAction.UPDATE, practice, practice=practice, fields=changed)
    return practice


# --- Personal API tokens ----------------------------------------------------------------------


def _token_practice(request, user: User, practice: Practice | None = None) -> Practice | None:
    """The practice a new token belongs to: the one named, else the one the request acts
    under, else the user's only practice (``None`` when that is ambiguous or there is none)."""
    if practice is None and request is not None:
        practice = getattr(request, "practice", None)
    memberships = Membership.objects.active().filter(user=user).select_related("practice")
    if practice is None:
        first_two = list(memberships.order_by("pk")[:2])
        return first_two[0].practice if len(first_two) == 1 else None
    return practice if memberships.filter(practice=practice).exists() else None


def token_expiry(last_day: date, practice: Practice) -> datetime:
    """When a token meant to work through ``last_day`` stops: the next midnight in the
    practice's time zone. Raises ``ValidationError`` for a day already past."""
    zone = zoneinfo.ZoneInfo(practice.time_zone)
    ends = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    if ends <= timezone.now():
        raise ValidationError(gettext("Choose a last day from today onwards."))
    return ends


@transaction.atomic
def create_api_token(
    request,
    user: User,
    name: str,
    practice: Practice | None = None,
    *,
    scope: str = ApiToken.Scope.READ_WRITE,
    last_day: date | None = None,
) -> tuple[ApiToken, str]:
    """Create a personal API token for ``user`` in ``practice`` (by default the one the request
    acts under); return it with the key, which is shown once and never stored (only its digest
    is). The user needs an active membership there; the token sees only that practice.

    ``scope`` is read-only or read-and-write; with ``last_day`` the token works through that
    day (the practice's time zone) and is refused afterwards."""
    practice = _token_practice(request, user, practice)
    if practice is None or not user.is_active:
        raise ValidationError(
            gettext(
                "Only active members of a practice can have API tokens; "
                "a member of several practices names the practice."
            )
        )
    name = name.strip()
    if not name:
        raise ValidationError(gettext("Give the token a name, so you can tell it apart later."))
    if scope not in ApiToken.Scope.values:
        raise ValidationError(gettext("Choose read-only or read and write."))
    expires_at = token_expiry(last_day, practice) if last_day else None
    raw, digest = new_api_key()
    token = ApiToken.objects.create(
        user=user,
        practice=practice,
        name=name,
        prefix=raw[:8],
        key_hash=digest,
        scope=scope,
        expires_at=expires_at,
    )
    fields = ["name", "scope", *(["expires_at"] if expires_at else [])]
    audit.record(request, AuditAction.CREATE, token, practice=practice, actor=user, fields=fields)
    return token, raw


def active_api_tokens(user: User):
    """The user's tokens not revoked, newest first: expired ones too, so their owner sees
    them and can revoke them."""
    return (
        ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("practice")
        .order_by("-created_at")
    )


@transaction.atomic
def revoke_api_token(request, token: ApiToken) -> ApiToken:
    """Stop ``token`` working at once. The row stays, so its last use remains visible."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        practice = token.practice
        if practice is not None:
            audit.record(
                request, AuditAction.DELETE, token, practice=practice, fields=["revoked_at"]
            )
    return token
