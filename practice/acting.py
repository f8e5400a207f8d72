"""The one membership a user acts under.

Attune's tenancy rule: **a request acts under exactly one membership**. Visibility
(``Client.objects.visible_to(user)`` and every queryset built on it) and role both come from
that membership's practice, so an object of the user's other practices answers 404 until they
switch, whatever roles they hold there.

The membership is bound to the user object that the request (or task) carries:

- pages: ``PracticeMiddleware`` binds the membership chosen in the session (the header's
  practice switcher) or the first one;
- the API: ``IsPracticeMember`` binds the membership of the practice an API token belongs to
  (tokens are bound to one practice at creation), or the session's for browser calls;
- background work and commands: the task binds the membership in the practice of the row it
  works on (``act_in``).

A user object nobody bound acts under its default membership (the first active one, as the
middleware chooses when the session names none), never under several at once.
"""

from practice.models import Membership, User

_ATTR = "_attune_acting_membership"
UNBOUND = object()  # no request or task bound a membership to this user object


def act_as(user, membership: Membership | None):
    """Bind ``membership`` (one of ``user``'s own, or ``None`` for "acts under none") to
    ``user`` for the rest of this request or task; returns ``user``."""
    if membership is not None and membership.user_id != user.pk:
        raise ValueError("A user can only act under a membership of their own.")
    setattr(user, _ATTR, membership)
    return user


def stand_in(user_id: int, practice_id: int, role: str) -> tuple[User, Membership]:
    """An active user acting under an active membership of ``role`` in practice
    ``practice_id``, both unsaved and never read or written: a query built for them has the
    SQL every such user's has, so it is compiled once per role and run with the real ids put
    in its parameters (``practice.prepared``, ``clients.reports.unseen``)."""
    user = User(pk=user_id, is_active=True)
    membership = Membership(user_id=user_id, practice_id=practice_id, role=role, is_active=True)
    return act_as(user, membership), membership


def for_this_request(membership: Membership, name: str, compute):
    """``compute()``'s value, worked out once per request: kept on ``membership`` under
    ``name``. The membership a request acts under is loaded for that request alone
    (``PracticeMiddleware``, ``IsPracticeMember``), so what is kept on it (whether anything is
    shared with the user, who holds a caseload) is read again by the next request."""
    kept = membership.__dict__.setdefault("_for_this_request", {})
    if name not in kept:
        kept[name] = compute()
    return kept[name]


def act_in(user, practice_id):
    """Bind ``user``'s active membership in practice ``practice_id`` (or none, when they hold no
    active membership there: then they see nothing). For tasks and commands working on one
    practice's rows. Returns ``user``."""
    membership = (
        Membership.objects.active()
        .select_related("practice")
        .filter(user_id=user.pk, practice_id=practice_id)
        .first()
    )
    return act_as(user, membership)


def default_membership(user) -> Membership | None:
    """The first of ``user``'s active memberships: what a fresh session acts under."""
    return Membership.objects.active().select_related("practice").filter(user_id=user.pk).first()


def default_memberships(user):
    """``default_membership(user)`` as a subquery (the membership ids, at most one), for
    querysets that scope an unbound user without a round trip of their own."""
    first = Membership.objects.active().filter(user_id=user.pk).order_by("practice_id")
    return Membership.objects.filter(pk__in=first.values("pk")[:1])


def bound_membership(user):
    """The membership bound to ``user`` (possibly ``None``), or ``UNBOUND``."""
    return getattr(user, _ATTR, UNBOUND)


def acting_membership(user) -> Membership | None:
    """The membership ``user`` acts under: the bound one, else the default (looked up afresh
    each time, so a membership changed since is never served stale). ``None`` for anonymous
    or inactive users and for users bound to none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    bound = bound_membership(user)
    return default_membership(user) if bound is UNBOUND else bound
