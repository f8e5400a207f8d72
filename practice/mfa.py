"""The practice's two-factor policy, in one place for every entry point.

A practice may require two-factor authentication (``Practice.require_mfa``). Whatever door a
request comes through, the same rule decides: a member acting under such a practice without a
TOTP authenticator reaches none of its data.

- Pages: ``PracticeMiddleware`` sends a browser navigating to any page to set it up
  (``refuse_until_set_up``), and refuses other requests (HTMX, fetch, images) with a 403
  instead. Paths a member must still reach while held there (signing out, the set-up pages
  themselves, switching practice, static files, ``/favicon.ico``) are exempt
  (``MFA_EXEMPT_PREFIXES`` in the middleware).
- API, by session or by a token created before the policy: the DRF permission
  ``MfaSatisfied``, listed after ``IsPracticeMember`` in ``DEFAULT_PERMISSION_CLASSES``.
- Downloads are pages, so the middleware covers them.

Setting TOTP up must survive the extra requests a real browser makes while the page is open:
allauth's activation form makes a new secret on every GET, so a second GET (a favicon request
redirected to the page, a reload, another tab) silently invalidated the QR code the member had
just scanned. ``ActivateTOTPForm`` keeps the session's secret until activation clears it.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal import auth as totp_auth
from django import forms
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext
from rest_framework import permissions

from practice.models import Membership, Practice

SETUP_MESSAGE = gettext_lazy(
    "Your practice requires two-factor authentication and this account has none yet. "
    "Sign in to Attune in a browser and set up an authenticator app under Account; "
    "until then nothing of the practice's data can be opened, by page, download or API token."
)


def has_totp(user) -> bool:
    """Whether ``user`` has an authenticator app set up (recovery codes alone do not count)."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def mfa_missing(user, membership: Membership | None) -> bool:
    """The membership's practice requires two-factor authentication and ``user`` has none."""
    if membership is None or not membership.practice.require_mfa:
        return False
    return not has_totp(user)


def member_counts(practice: Practice) -> tuple[int, int]:
    """How many active members of ``practice`` have no authenticator app (the people the
    requirement holds at set-up until they make one), and how many active members there are.
    Counts only, never who they are."""
    with_totp = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user_id")
    counts = (
        Membership.objects.active()
        .filter(practice=practice)
        .aggregate(missing=Count("pk", filter=~Q(user_id__in=with_totp)), total=Count("pk"))
    )
    return counts["missing"], counts["total"]


def requirement_warning(practice: Practice) -> str:
    """What the owner is told when they have just turned the requirement on."""
    missing, _unused = member_counts(practice)
    if not missing:
        return gettext(
            "Two-factor authentication is now required; every member already has it set up."
        )
    return ngettext(
        "Two-factor authentication is now required. %(count)d member has not set it up yet; "
        "it applies to them now: from their next page they must set up an authenticator app "
        "before they can open anything else, and their API tokens are refused until they do.",
        "Two-factor authentication is now required. %(count)d members have not set it up yet; "
        "it applies to them now: from their next page they must set up an authenticator app "
        "before they can open anything else, and their API tokens are refused until they do.",
        missing,
    ) % {"count": missing}


def _is_navigation(request) -> bool:
    """A page the person asked for (typed, clicked, submitted), as opposed to what a page loads
    by itself: HTMX swaps, fetches, images, icons. Browsers say which in ``Sec-Fetch-Mode``;
    a client that sends no such header (an old browser, a script) counts as navigating."""
    if request.headers.get("HX-Request"):
        return False
    mode = request.headers.get("Sec-Fetch-Mode")
    return mode is None or mode == "navigate"


def refuse_until_set_up(request) -> HttpResponse:
    """The answer to a member held at set-up: a browser navigating is sent to the set-up page;
    anything else gets a 403 saying why, so a background request never lands on (and never
    re-renders) the page the member is reading their secret from."""
    if _is_navigation(request):
        return redirect(reverse("mfa_activate_totp"))
    return HttpResponse(SETUP_MESSAGE, status=403, content_type="text/plain; charset=utf-8")


class MfaSatisfied(permissions.BasePermission):
    """The API's share of the policy. Runs after ``IsPracticeMember``, which resolves
    ``request.membership`` for token requests too, so a token created before the practice
    required two-factor authentication stops working until its owner sets it up."""

    message = SETUP_MESSAGE
    code = "mfa_required"

    def has_permission(self, request, view) -> bool:
        membership = getattr(request._request, "membership", None)
        return not mfa_missing(request.user, membership)


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """allauth's activation form, except that showing it keeps the secret already in the
    session instead of making a new one (``MFA_FORMS["activate_totp"]``).

    A new secret on every GET made set-up fail in a real browser: any second request that
    reached the page after it had loaded replaced the secret the member was scanning, so every
    correct code was then "Incorrect". The secret lives in the member's own session until
    activation clears it (or sign-out ends the session)."""

    def __init__(self, *args, **kwargs) -> None:
        # Everything allauth's __init__ does, bar regenerating the secret on an unbound form.
        self.user = kwargs.pop("user")
        forms.Form.__init__(self, *args, **kwargs)
        self.secret = totp_auth.get_totp_secret(regenerate=False)
