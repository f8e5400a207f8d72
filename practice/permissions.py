"""Page decorators: who may open a page at all. Object scope is decided by ``visible_to``."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def member_required(view):
    """Signed in and an active member of a practice (``request.membership`` is set)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "membership", None) is None:
            raise PermissionDenied("You are not an active member of a practice.")
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    """An owner of the current practice; other members get 403."""

    @member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_owner:
            raise PermissionDenied("Only the practice's owners can do this.")
        return view(request, *args, **kwargs)

    return wrapper
