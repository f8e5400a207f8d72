"""API authentication (hashed personal tokens) and the permission every endpoint needs."""

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from practice.middleware import current_membership
from practice.models import ApiToken, hash_token


class PersonalTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class IsPracticeMember(permissions.BasePermission):
    """Authenticated and holding an active membership in some practice.

    Token-authenticated requests are identified only after the middleware ran, so the
    membership is resolved here too and kept on the request as ``request.membership``.
    """

    message = "You are not an active member of a practice."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        membership = getattr(request._request, "membership", None)
        if membership is None or membership.user_id != user.pk:
            membership = current_membership(user, getattr(request._request, "session", None))
            request._request.membership = membership
            request._request.practice = membership.practice if membership else None
        return membership is not None
