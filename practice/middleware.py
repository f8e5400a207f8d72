"""Resolve the signed-in user's practice for each request, and enforce practice policy."""

import zoneinfo

from django.utils import timezone

from practice import mfa
from practice.acting import act_as
from practice.models import Membership

CURRENT_PRACTICE_SESSION_KEY = "attune_practice_id"
# Paths a member must still reach while the practice requires two-factor authentication:
# signing in and out and the set-up pages (allauth), switching to another practice, files the
# set-up page loads and icons the browser asks for by itself (a redirect there would re-render
# the set-up page behind the member's back), the client's questionnaire link, invitations and
# the health probe. The API is not exempt from the policy: ``practice.mfa.MfaSatisfied`` holds it
# there, where token requests are identified.
MFA_EXEMPT_PREFIXES = (
    "/accounts/",
    "/practice/switch/",
    "/static/",
    "/media/",
    "/favicon.ico",
    "/robots.txt",
    "/healthz",
    "/invite/",
    "/q/",
    "/api/",
)


def active_memberships(user) -> list[Membership]:
    """All of ``user``'s active memberships with their practices, in one query."""
    if not user.is_authenticated:
        return []
    return list(Membership.objects.active().filter(user=user).select_related("practice"))


def choose_membership(memberships: list[Membership], session=None) -> Membership | None:
    """The one chosen in the session (see ``practice_switch``), else the first."""
    if not memberships:
        return None
    chosen = session.get(CURRENT_PRACTICE_SESSION_KEY) if session is not None else None
    for membership in memberships:
        if membership.practice_id == chosen:
            return membership
    return memberships[0]


def current_membership(user, session=None) -> Membership | None:
    """The membership ``user`` is acting under: the one chosen in the session, else the first."""
    return choose_membership(active_memberships(user), session)


class PracticeMiddleware:
    """Sets ``request.membership`` and ``request.practice``, activates the practice's time zone
    and, where the practice requires it, sends members without two-factor authentication to
    set it up before anything else.

    ``request.memberships`` keeps every active membership (read by the header's practice
    switcher), so the page costs no second query for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = active_memberships(request.user)
        membership = choose_membership(request.memberships, getattr(request, "session", None))
        request.membership = membership
        request.practice = membership.practice if membership else None
        if request.user.is_authenticated:
            # Visibility follows this one membership (practice.acting), never the user's others.
            act_as(request.user, membership)
        if membership:
            timezone.activate(zoneinfo.ZoneInfo(membership.practice.time_zone))
            if self._must_set_up_mfa(request, membership):
                return mfa.refuse_until_set_up(request)
        else:
            timezone.deactivate()
        return self.get_response(request)

    @staticmethod
    def _must_set_up_mfa(request, membership) -> bool:
        if request.path.startswith(MFA_EXEMPT_PREFIXES):
            return False
        return mfa.mfa_missing(request.user, membership)
