"""Choosing which of a person's practices they act under (the header's practice switcher)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from practice.middleware import CURRENT_PRACTICE_SESSION_KEY
from practice.models import Membership
from practice.permissions import member_required

_LARGEST_ID = 2**63 - 1


@member_required
@require_POST
def practice_switch(request):
    """Act under another practice where the user holds an active membership; any other id is
    404, exactly like a practice that does not exist, and the session is left as it was."""
    try:
        practice_id = int(request.POST.get("practice", ""))
    except ValueError:
        raise Http404(gettext("No such practice.")) from None
    if not 0 < practice_id <= _LARGEST_ID:  # past what a database integer holds: no practice
        raise Http404(gettext("No such practice."))
    membership = get_object_or_404(
        Membership.objects.active()
        .filter(user=request.user, practice_id=practice_id)
        .select_related("practice")
    )
    request.session[CURRENT_PRACTICE_SESSION_KEY] = membership.practice_id
    messages.success(
        request, gettext("Now working in %(name)s.") % {"name": membership.practice.name}
    )
    return redirect("dashboard")
