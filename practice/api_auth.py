"""API authentication (hashed personal tokens) and the permission every endpoint needs."""

import zoneinfo

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from rest_framework import authentication, exceptions, permissions

from practice.acting import act_as
from practice.middleware import current_membership
from practice.models import ApiToken, Membership, hash_token


class PersonalTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``. The token's practice travels with it (``request.auth``):
    ``IsPracticeMember`` makes the request act under the user's membership there, and refuses
    a read-only token anything but a read. A revoked, unknown or expired token is a 401 saying
    which."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(gettext("Invalid or revoked token."))
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                gettext("This token expired on %(expired)s UTC. Create a new one under Account.")
                % {"expired": f"{token.expires_at:%Y-%m-%d %H:%M}"}
            )
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


def request_membership(request) -> Membership | None:
    """The one membership an API request acts under.

    With a token, the user's active membership in the token's practice (none if it ended: the
    token then reaches nothing). Otherwise the browser session's, which ``PracticeMiddleware``
    chose (the header's practice switcher), re-resolved when DRF authenticated someone else
    than the middleware saw (tests' ``force_authenticate``)."""
    user = request.user
    django_request = request._request
    if isinstance(request.auth, ApiToken):
        return (
            Membership.objects.active()
            .select_related("practice")
            .filter(user=user, practice_id=request.auth.practice_id)
            .first()
        )
    membership = getattr(django_request, "membership", None)
    if membership is None or membership.user_id != user.pk:
        membership = current_membership(user, getattr(django_request, "session", None))
    return membership


READ_ONLY_REFUSAL = gettext_lazy(
    "This token is read-only: it may read (GET, HEAD, OPTIONS) but not change anything. "
    "Use a read-and-write token."
)


class IsPracticeMember(permissions.BasePermission):
    """Authenticated and acting under an active membership of a practice, and, with a read-only
    token, asking only to read (``SAFE_METHODS``).

    Token-authenticated requests are identified only after the middleware ran, so the
    membership is resolved here, kept on the request as ``request.membership`` and bound to the
    user (``practice.acting``): every queryset the view builds sees that practice only.
    """

    message = gettext_lazy("You are not an active member of a practice.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        token = request.auth
        reads = request.method in permissions.SAFE_METHODS
        if isinstance(token, ApiToken) and token.is_read_only and not reads:
            raise exceptions.PermissionDenied(READ_ONLY_REFUSAL)
        membership = request_membership(request)
        request._request.membership = membership
        request._request.practice = membership.practice if membership else None
        act_as(user, membership)
        if membership is not None:
            timezone.activate(zoneinfo.ZoneInfo(membership.practice.time_zone))
        return membership is not None


class IsPracticeOwner(permissions.BasePermission):
    """An owner of the practice the request acts in (after ``IsPracticeMember``). Views name
    what the owners alone may do in a subclass's ``message``."""

    message = gettext_lazy("Only the practice's owners can do this.")

    def has_permission(self, request, view) -> bool:
        membership = getattr(request._request, "membership", None)
        return membership is not None and membership.is_owner
