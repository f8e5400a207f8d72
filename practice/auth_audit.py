"""Auditing who signs in and out, who is refused, and changes to two-factor authentication.

These events come from outside our views (Django's and allauth's sign-in machinery, every
view's 403 and 404), so they are caught where they happen: signal receivers connected in
``PracticeConfig.ready()``, and ``RefusalAuditMiddleware`` for refused requests. Each only
calls ``practice.audit``; nothing else happens in them.

No personal data of people who are not users: a failed sign-in names the account only when
one exists with the address tried, and never stores the address itself.
"""

import logging

from allauth.account.signals import user_logged_in
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.db import DatabaseError, transaction

from practice import audit
from practice.models import AuditAction, User

logger = logging.getLogger(__name__)


def _account_for(credentials: dict) -> User | None:
    address = credentials.get("email") or credentials.get("username") or ""
    if not isinstance(address, str) or not address or len(address) > 254:
        return None
    return User.objects.filter(email__iexact=address).first()


def on_sign_in(sender, request, user, **kwargs) -> None:
    """allauth's signal: sent once the whole sign-in (password and any second factor) is done.
    Django's ``user_logged_in`` also fires for ``force_login`` and session re-keying, which
    are not someone signing in."""
    audit.record_account_event(request, AuditAction.SIGN_IN, user)


def on_sign_out(sender, request, user, **kwargs) -> None:
    if user is not None and user.is_authenticated:
        audit.record_account_event(request, AuditAction.SIGN_OUT, user)


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """A wrong password (or an unknown or inactive account). Repeats are aggregated."""
    audit.record_refusal(
        request,
        AuditAction.SIGN_IN_FAILED,
        actor=_account_for(credentials),
        object_type="user",
        outcome="password",
    )


def record_lockout(request, credentials: dict) -> None:
    """Called by the account adapter when allauth refuses a sign-in for too many failures."""
    audit.record_refusal(
        request,
        AuditAction.LOCKED_OUT,
        actor=_account_for(credentials),
        object_type="user",
        outcome="too_many_failures",
    )


def on_second_factor_failed(sender, request, user, authenticator=None, **kwargs) -> None:
    audit.record_refusal(
        request,
        AuditAction.SIGN_IN_FAILED,
        actor=user,
        object_type="authenticator",
        outcome=getattr(authenticator, "type", "mfa"),
    )


def _authenticator_changed(action: AuditAction):
    def receiver(sender, request, user, authenticator, **kwargs) -> None:
        audit.record_account_event(
            request,
            action,
            user,
            object_type="authenticator",
            object_id=authenticator.pk or "",
            fields=[authenticator.type],
        )

    return receiver


# Named module-level receivers: signals hold weak references.
on_authenticator_added = _authenticator_changed(AuditAction.CREATE)
on_authenticator_removed = _authenticator_changed(AuditAction.DELETE)
on_authenticator_reset = _authenticator_changed(AuditAction.UPDATE)  # e.g. new recovery codes


def connect() -> None:
    user_logged_in.connect(on_sign_in, dispatch_uid="audit_sign_in")
    user_logged_out.connect(on_sign_out, dispatch_uid="audit_sign_out")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="audit_sign_in_failed")
    authentication_failed.connect(on_second_factor_failed, dispatch_uid="audit_mfa_failed")
    authenticator_added.connect(on_authenticator_added, dispatch_uid="audit_mfa_added")
    authenticator_removed.connect(on_authenticator_removed, dispatch_uid="audit_mfa_removed")
    authenticator_reset.connect(on_authenticator_reset, dispatch_uid="audit_mfa_reset")


class RefusalAuditMiddleware:
    """Records refused requests: a 403, or a 404 on a route naming an object (another
    practice's record looks exactly like one that does not exist), answered to a signed-in
    person; and an API request whose token was refused. A 404 on an address that matches no
    route is a typo, not a refusal, and is not recorded.

    It sits outside the view's transaction (ATOMIC_REQUESTS has rolled back by the time a 404
    reaches it), so the record survives. The route's name is recorded, never the path.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403, 404):
            try:
                with transaction.atomic():
                    self._record(request, response.status_code)
            except DatabaseError:
                logger.warning("could not record a refused request", exc_info=True)
        return response

    @staticmethod
    def _record(request, status: int) -> None:
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match is not None else ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if match is None or status == 401 or (status == 404 and not match.kwargs):
                return
            audit.record_refusal(
                request,
                AuditAction.DENIED,
                actor=user,
                practice=getattr(request, "practice", None),
                object_type="route",
                object_id=route,
                outcome=str(status),
            )
        elif request.path.startswith("/api/") and request.META.get("HTTP_AUTHORIZATION"):
            audit.record_refusal(
                request,
                AuditAction.DENIED,
                object_type="api_token",
                object_id=route,
                outcome=str(status),
            )
