"""Template context shared by every page."""

from django.conf import settings


def practice(request):
    membership = getattr(request, "membership", None)
    return {
        "current_practice": getattr(request, "practice", None),
        "current_membership": membership,
        "is_owner": bool(membership and membership.is_owner),
        # Loaded by PracticeMiddleware with the current membership: no query of its own.
        "active_memberships": getattr(request, "memberships", []),
        "debug": settings.DEBUG,
        "session_idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
    }
