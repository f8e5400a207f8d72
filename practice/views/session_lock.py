"""The lock screen's unlock form (the lock itself: ``practice.session_lock``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from practice import session_lock


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def session_unlock(request):
    """GET shows the lock screen of a locked session (else goes home); POST checks the
    signed-in person's password or authenticator code: right, back to where the clinician
    was; wrong, the screen again with how many tries are left; too many, 429 for a while."""
    state = session_lock.current(request)
    if state is None:
        return redirect("dashboard")
    if request.method != "POST":
        return session_lock.lock_screen(request, status=200)
    try:
        unlocked = session_lock.unlock(request, request.POST.get("secret", ""))
    except session_lock.TooManyAttempts:
        return session_lock.lock_screen(
            request,
            error=gettext("Too many wrong tries. Wait 15 minutes, then try again."),
            status=429,
        )
    if not unlocked:
        return session_lock.lock_screen(
            request, error=gettext("That password or code is not right."), status=400
        )
    target = state.get("return_to") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/"
    return redirect(target)
