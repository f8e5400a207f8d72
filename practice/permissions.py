"""Page decorators: who may open a page at all. Object scope is decided by ``visible_to``."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext

from practice.models import Practice


def no_membership_page(request):
    """What a signed-in person without an active membership sees (403): a member an owner has
    deactivated, whose open session was not ended or who signs in again, or an account that
    was never invited. It says what happened and offers sign-out, instead of a bare 403."""
    ended = Practice.objects.filter(
        memberships__user=request.user, memberships__is_active=False
    ).order_by("name")
    return render(
        request, "practice/no_membership.html", {"ended_practices": list(ended)}, status=403
    )


def member_required(view):
    """Signed in and an active member of a practice (``request.membership`` is set); anyone
    else signed in gets ``no_membership_page``."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "membership", None) is None:
            return no_membership_page(request)
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    """An owner of the current practice; other members get 403."""

    @member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_owner:
            raise PermissionDenied(gettext("Only the practice's owners can do this."))
        return view(request, *args, **kwargs)

    return wrapper
