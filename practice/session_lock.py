"""A signed-in session handed to a client (a questionnaire answered in session on the clinician's
tablet) is locked until the clinician re-authenticates.

``lock(request, ...)`` stores the lock in the session: the one path prefix the client may use
(the questionnaire's pages) and where the clinician returns afterwards. While it holds,
``SessionLockMiddleware`` answers every other page with the lock screen and every API request
made with that session with a 403, so the client cannot open the clinician's records; signing
out stays possible (it ends the session). Requests authenticated by an API token (an
``Authorization`` header) are not the session's and are unaffected.

``unlock(request, secret)`` takes the signed-in person's password, or a current code of their
authenticator app, at most ``UNLOCK_ATTEMPTS_ALLOWED`` wrong tries per ``UNLOCK_WINDOW`` seconds
and account; each try is audited as an account event (``session_unlock``), never what was typed.

The wrong tries are counted in the cache. When the cache cannot be reached the limit still holds:
the count falls back on the audit log, which records every wrong try anyway (``_failures_on_record``).
Failing closed instead would shut the clinician out of their own session for the whole outage
(and signing in again is refused too while the cache is down, see ``practice/settings.py``);
failing open would let a client guess passwords without limit.
"""

import logging
from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from practice import audit
from practice.models import AuditAction, AuditEvent

logger = logging.getLogger(__name__)

SESSION_KEY = "attune_session_lock"
UNLOCK_ATTEMPTS_ALLOWED = 5
UNLOCK_WINDOW = 15 * 60  # seconds
LOCKED_MESSAGE = gettext_lazy(
    "This session is locked while a client answers a questionnaire on this device. "
    "The clinician unlocks it with their password."
)


def lock(request, *, allowed_prefix: str, return_to: str) -> None:
    """Lock the request's session: only paths under ``allowed_prefix`` (and the lock screen)
    answer until ``unlock``; afterwards the clinician lands on ``return_to``."""
    request.session[SESSION_KEY] = {"allowed": allowed_prefix, "return_to": return_to}


def current(request) -> dict | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def _limit_key(user) -> str:
    return f"attune:session-unlock-failures:{user.pk}"


def _failures_on_record(user) -> int:
    """The person's wrong tries in the audit log within the last window and since their last
    unlock: the count used while the cache is down."""
    events = AuditEvent.objects.filter(
        actor=user,
        object_type="session_unlock",
        at__gte=timezone.now() - timedelta(seconds=UNLOCK_WINDOW),
    )
    last_unlock = (
        events.filter(action=AuditAction.SIGN_IN).order_by("-at").values_list("at", flat=True)
    ).first()
    failures = events.filter(action=AuditAction.SIGN_IN_FAILED)
    if last_unlock is not None:
        failures = failures.filter(at__gt=last_unlock)
    return failures.count()


def attempts_left(user) -> int:
    try:
        used = cache.get(_limit_key(user)) or 0
    except Exception as exc:  # any cache backend's outage: count from the audit log instead
        logger.warning("session unlock limiter: cache unavailable (%s)", type(exc).__name__)
        used = _failures_on_record(user)
    return max(0, UNLOCK_ATTEMPTS_ALLOWED - used)


def _count_failure(user) -> None:
    """Count a wrong try in the cache; with the cache down the audit event is the count."""
    key = _limit_key(user)
    try:
        cache.add(key, 0, UNLOCK_WINDOW)
        cache.incr(key)
    except Exception as exc:
        logger.warning("session unlock limiter: cache unavailable (%s)", type(exc).__name__)


def _forget_failures(user) -> None:
    try:
        cache.delete(_limit_key(user))
    except Exception as exc:  # the audit count restarts at the unlock anyway
        logger.warning("session unlock limiter: cache unavailable (%s)", type(exc).__name__)


def _totp_matches(user, code: str) -> bool:
    code = code.replace(" ", "")
    if not code.isdigit():
        return False
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return authenticator is not None and totp_auth.TOTP(authenticator).validate_code(code)


class TooManyAttempts(Exception):
    """Too many wrong passwords in the window: the lock screen refuses tries until it passes."""


def unlock(request, secret: str) -> bool:
    """Whether ``secret`` (the signed-in person's password or a current authenticator code)
    unlocked the session. Raises ``TooManyAttempts`` once the wrong tries are used up."""
    user = request.user
    if not attempts_left(user):
        audit.record_account_event(
            request, AuditAction.LOCKED_OUT, user, object_type="session_unlock"
        )
        raise TooManyAttempts
    if secret and (user.check_password(secret) or _totp_matches(user, secret)):
        request.session.pop(SESSION_KEY, None)
        _forget_failures(user)
        audit.record_account_event(request, AuditAction.SIGN_IN, user, object_type="session_unlock")
        return True
    _count_failure(user)
    audit.record_account_event(
        request, AuditAction.SIGN_IN_FAILED, user, object_type="session_unlock"
    )
    return False


def lock_screen(request, *, error: str = "", status: int = 423):
    return render(
        request,
        "practice/session_locked.html",
        {"error": error, "attempts_left": attempts_left(request.user)},
        status=status,
    )


class SessionLockMiddleware:
    """Answers a locked session's requests with the lock screen (pages) or a 403 (API), except
    the questionnaire it was locked for, the lock screen itself, signing out and static files."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = current(request)
        if not state or not request.user.is_authenticated or self._exempt(request, state):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            if request.headers.get("Authorization"):
                return self.get_response(request)  # a token, not this session
            return JsonResponse({"detail": LOCKED_MESSAGE}, status=403)
        return lock_screen(request)

    @staticmethod
    def _exempt(request, state) -> bool:
        path = request.path
        exempt = (state["allowed"], reverse("session_unlock"), reverse("account_logout"))
        return path.startswith(exempt) or path.startswith("/static/") or path == "/favicon.ico"
