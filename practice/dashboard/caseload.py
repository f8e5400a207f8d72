"""What the caseload dashboard reads: active clients with their precomputed progress rows
(``ClientProgress``, kept by ``practice.dashboard.progress``), filtered, searched, sorted and
paginated; the owners' overview below it is ``practice.dashboard.outcomes``. Never scores
anything: a fixed number of queries whatever the number of clients or administrations.

Every read starts from ``Client.objects.visible_to(user)``.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Response
from assessments.services.overview import open_alerts_query
from clients.models import Client, ClientShare, _acting
from practice.acting import for_this_request, stand_in
from practice.converters import LARGEST_ID
from practice.dashboard import attention, rows
from practice.dashboard.attention import catch_up_attention
from practice.dashboard.orders import (
    DESCENDING_FIRST,
    KEYS,
    MOMENTS,
    PAGE_SIZE,
    by_clinician,
    by_key,
    by_moment,
    forwards,
)
from practice.dashboard.progress import overdue_q
from practice.models import Role
from practice.prepared import Prepared, written_in

SCOPES = {
    "mine": _("My caseload"),
    "practice": _("Whole practice"),
    "clinician": _("One clinician"),
}
SHOW = {
    "": _("Everyone"),
    "alerts": _("Open alerts"),
    "overdue": _("Overdue questionnaires"),
    "deteriorated": _("Deteriorated"),
    "improved": _("Improved"),
    "earned": _("Earned security"),
    "none": _("No assessment yet"),
}
# Column key to its heading; every column sorts.
COLUMNS = {
    "name": _("Client"),
    "clinician": _("Clinician"),
    "style": _("Attachment"),
    "change": _("Change since baseline"),
    "earned": _("Earned security"),
    "alerts": _("Open alerts"),
    "due": _("Next due"),
    "completed": _("Last completed"),
    "session": _("Last session"),
}

_SORTS = {
    "name": ("full_name",),
    "clinician": ("primary_clinician__full_name", "primary_clinician__email"),
    "due": ("progress__next_due_at",),
    "completed": ("progress__last_completed_at",),
    "session": ("progress__last_session_at",),
}


@dataclass(frozen=True)
class CaseloadQuery:
    scope: str = "mine"
    clinician: object = None  # a User, with scope "clinician"
    show: str = ""
    q: str = ""
    sort: str = ""  # a COLUMNS key, "-" before it for descending; empty: who needs attention


def _own_caseload(membership, query: CaseloadQuery) -> bool:
    """Whether ``query`` shows the user's own caseload (their clients and those shared with
    them), not the whole practice or one clinician's chosen by an owner."""
    if not membership.is_owner:
        return True
    return query.scope != "practice" and not (
        query.scope == "clinician" and query.clinician is not None
    )


def _scoped(user, membership, query: CaseloadQuery, shared: bool = True):
    """The active clients of ``query``'s scope. ``shared=False`` says the user holds no client
    shared with them (``_holds_shares``): their own caseload is then their primary clients
    alone, which PostgreSQL reads from the clinician's indexes instead of walking the
    practice's clients to find those that are theirs or shared with them."""
    clients = Client.objects.visible_in(user, membership).active()
    if query.scope == "practice" and membership.is_owner:
        return clients
    if query.scope == "clinician" and membership.is_owner and query.clinician is not None:
        return clients.filter(primary_clinician=query.clinician)
    if not shared:
        return clients.filter(primary_clinician=user)
    if not membership.is_owner:  # visible_in already kept their own and shared clients
        return clients
    theirs = Client.objects.filter(shares__clinician=user).values("pk")
    return clients.filter(Q(primary_clinician=user) | Q(pk__in=theirs))


def _shown(clients, show: str, now):
    """``clients`` filtered as ``show`` asks. Open alerts, a change and earned security are read
    from the sort keys kept on the client (``attention.sort_keys``), so a filter that few
    clients pass finds them from the keys' indexes instead of walking the practice."""
    if show == "alerts":
        return clients.filter(sort_alerts__lt=0)
    if show == "overdue":
        return clients.filter(overdue_q(now))
    if show in ("deteriorated", "improved"):
        return clients.filter(sort_change=attention.change_rank(show))
    if show == "earned":
        return clients.filter(sort_earned=attention.earned_rank("earned"))
    if show == "none":
        return clients.filter(
            Q(progress__isnull=True) | Q(progress__last_completed_at__isnull=True)
        )
    return clients


def _ordering(sort: str) -> list:
    """The ORDER BY for ``sort``."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key in KEYS:  # backwards, the whole list reversed but the empty still last (KEYS)
        field = KEYS[key]
        if forwards(sort):
            return [field, "full_name", "pk"]
        empty = Case(When(**{field: Client.SORT_LAST}, then=Value(1)), default=Value(0))
        return [empty, F(field).desc(), F("full_name").desc(), F("pk").desc()]
    if key not in _SORTS:  # who needs attention first: the stored key, read from an index
        return ["attention", "full_name", "pk"]
    if key == "name":  # read from the client_name_* indexes, backwards when descending
        return [F("full_name").desc(), F("pk").desc()] if descending else ["full_name", "pk"]
    fields = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        for name in _SORTS[key]
    ]
    return [*fields, "full_name", "pk"]


# What a page's rows read (``rows``, ``glance``): only these columns are loaded, the rest of the
# three rows (the progress row's baselines and overview bookkeeping) never leave the database.
_ROW_FIELDS = [
    "full_name",
    "primary_clinician__full_name",
    "primary_clinician__email",
    "progress__attachment_instrument__name",
    *(
        f"progress__{name}"
        for name in [
            "attachment_at",
            "style",
            "anxiety",
            "avoidance",
            "earned_security",
            "change",
            "changes",
            "glance",
            "responses",
            "open_alerts",
            "next_due_at",
            "awaiting_since",
            "link_expires_at",
            "missed_since",
            "last_completed_at",
            "last_session_at",
        ]
    ),
]


def _with_rows(clients):
    """``clients`` with what their rows show, and the rule that classified the style shown
    (from the response the progress row names)."""
    style_rule = Response.objects.filter(
        client=OuterRef("pk"),
        instrument=OuterRef("progress__attachment_instrument"),
        submitted_at=OuterRef("progress__attachment_at"),
    ).values("result__style__rule")[:1]
    return (
        clients.select_related("primary_clinician", "progress__attachment_instrument")
        .only(*_ROW_FIELDS)
        .annotate(style_rule=Subquery(style_rule))
    )


# Sample values for the prepared queries: numbers and a moment no request holds.
_SAMPLE_PRACTICE, _SAMPLE_USER, _SAMPLE_CLINICIAN = 918273641, 918273642, 918273643
_SAMPLE_NOW = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
_BY_ATTENTION: dict[tuple, Prepared] = {}
_SHARES = Prepared(
    lambda practice, user: ClientShare.objects.filter(
        clinician_id=user, client__practice_id=practice
    ).values_list("pk", flat=True),
    practice=_SAMPLE_PRACTICE,
    user=_SAMPLE_USER,
)


def _holds_shares(user, membership) -> bool:
    """Whether any client of the practice is shared with ``user``: asked once per request (the
    answer is kept on the request's membership), by the page and the open-alerts panel."""
    return for_this_request(
        membership,
        "holds_shares",
        lambda: bool(_SHARES.rows(practice=membership.practice_id, user=user.pk, limit=1)),
    )


def _attention_query(
    scope: str,
    is_owner: bool,
    one_clinician: bool,
    show: str,
    alerts: bool = False,
    shared: bool = True,
    part: str = "rows",
) -> Prepared:
    """The page's clients in who-needs-attention order with their rows (or, with ``alerts``,
    the open-alerts panel's alerts of the scope), for one shape of ``CaseloadQuery`` (no
    search, no sort), prepared once per process: the same ``_scoped``, ``_shown``,
    ``_with_rows`` and ``open_alerts_query`` as every other page, on stand-ins for the user,
    their membership and the clinician chosen; ``shared`` as ``_scoped``'s. ``part`` "own" or
    "shared" gives the ids alone of the user's own clients or of those shared with them."""
    key = (scope, is_owner, one_clinician, show, alerts, shared, part)
    if key in _BY_ATTENTION:
        return _BY_ATTENTION[key]
    one_caseload = not shared or (is_owner and scope == "clinician" and one_clinician)

    def build(practice, user=_SAMPLE_USER, clinician=None, now=_SAMPLE_NOW):
        person, membership = stand_in(user, practice, Role.OWNER if is_owner else Role.CLINICIAN)
        chosen = get_user_model()(pk=clinician) if clinician is not None else None
        query = CaseloadQuery(scope=scope, clinician=chosen, show=show)
        scoped = _scoped(person, membership, query, shared)
        if alerts and one_caseload:
            # One clinician's clients (no shares): their clients with open alerts are read from
            # the start of the clinician's attention index, then those clients' open alerts,
            # instead of walking the practice's open alerts newest first until the page is
            # full, which read every open alert of the practice for a small caseload (2.5 ms at
            # 20,000 clients). The bound is written into the SQL so that the prepared
            # statement's generic plan knows how few clients pass it.
            scoped = scoped.filter(attention__lt=written_in(attention.WITH_OPEN_ALERTS_BELOW))
        if alerts:
            return open_alerts_query(person, membership, scoped)
        clients = _shown(scoped, show, now)
        if part == "shared":
            theirs = ClientShare.objects.filter(clinician=person).values("client_id")
            clients = clients.filter(pk__in=theirs)
        if part != "rows":
            return clients.order_by("attention", "full_name", "pk").values_list("pk", flat=True)
        return _with_rows(clients.order_by("attention", "full_name", "pk"))

    samples = {"practice": _SAMPLE_PRACTICE}
    whole, chosen = is_owner and scope == "practice", is_owner and scope == "clinician"
    if chosen and one_clinician:
        samples["clinician"] = _SAMPLE_CLINICIAN
    elif not whole:  # their own caseload, with the clients shared with them
        samples["user"] = _SAMPLE_USER
    if show == "overdue":
        samples["now"] = _SAMPLE_NOW
    _BY_ATTENTION[key] = Prepared(build, **samples)
    return _BY_ATTENTION[key]


def _by_attention(user, membership, query: CaseloadQuery, now, first: int) -> list:
    """The page starting at ``first`` (and one more) in who-needs-attention order. One query,
    except for a caseload with clients shared with its clinician: "theirs or shared with them"
    cannot be read from the clinician's index, and PostgreSQL walked the practice's clients in
    order to find them. Their own clients up to the page's end are read from that index, the
    shared ones apart, and the page's rows among those alone."""
    shape = (query.scope, membership.is_owner, query.clinician is not None, query.show)
    shares = _own_caseload(membership, query) and _holds_shares(user, membership)
    values = {
        "practice": membership.practice_id,
        "user": user.pk,
        "clinician": getattr(query.clinician, "pk", None),
        "now": now,
    }

    def arguments(prepared: Prepared) -> dict:
        return {name: values[name] for name in prepared.samples}

    if not shares:
        prepared = _attention_query(*shape, shared=not _own_caseload(membership, query))
        return prepared.rows(limit=PAGE_SIZE + 1, offset=first, **arguments(prepared))
    own = _attention_query(*shape, shared=False, part="own")
    shared = _attention_query(*shape, shared=True, part="shared")
    # Planned once per connection for the first page only (each depth is a statement).
    ids = own.rows(limit=first + PAGE_SIZE + 1, prepare=not first, **arguments(own))
    ids += shared.rows(**arguments(shared))
    clients = _shown(_scoped(user, membership, query), query.show, now).filter(pk__in=ids)
    ordered = _with_rows(clients.order_by("attention", "full_name", "pk"))
    return list(ordered[first : first + PAGE_SIZE + 1])


def panel_alerts(user, membership, query: CaseloadQuery, limit: int) -> list:
    """The first ``limit`` open alerts of the clients of ``query``'s scope, newest first, as
    ``assessments``' ``open_alerts`` reads them, its query compiled once per shape. One
    clinician's caseload with nothing shared with them (their own, or the one an owner chose)
    reads its clients with open alerts from the clinician's attention index, whose key counts
    them (refreshed with every alert raised or acknowledged, as the rows' are), then their open
    alerts; any other scope reads the practice's open alerts newest first until it is full."""
    if not _acting(user, membership):
        return []
    prepared = _attention_query(
        query.scope,
        membership.is_owner,
        query.clinician is not None,
        "",
        alerts=True,
        shared=not _own_caseload(membership, query) or _holds_shares(user, membership),
    )
    values = {
        "practice": membership.practice_id,
        "user": user.pk,
        "clinician": getattr(query.clinician, "pk", None),
    }
    return prepared.rows(limit=limit, **{name: values[name] for name in prepared.samples})


@dataclass
class CaseloadPage:
    """One page of the caseload, numbered but not counted: whether a next page exists is
    known from one row more than the page, so no request counts the whole caseload."""

    object_list: list
    number: int
    has_next: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.object_list)


def _page_number(value) -> int:
    """The page asked for; past what a database OFFSET holds it is simply past the end (the last
    page), where SQLite and PostgreSQL would otherwise fail on the number."""
    try:
        return min(max(1, int(value)), LARGEST_ID // PAGE_SIZE)
    except (TypeError, ValueError):
        return 1


def caseload(user, membership, query: CaseloadQuery, page_number=1, *, now=None) -> CaseloadPage:
    """One page of the active clients ``user`` may see, with their progress rows, in a fixed
    number of queries whatever the caseload's size: the keys that went stale as links expired
    brought up to date (``catch_up_attention``, one indexed query), then the page's clients in
    order with their clinicians and progress rows, one row more than the page (who needs
    attention first is read from an index over ``Client.attention`` with LIMIT). Nothing
    counts the caseload, except a page past the end, which shows the last one (as
    ``Paginator.get_page`` does)."""
    now = now or timezone.now()
    clients = _shown(_scoped(user, membership, query), query.show, now).search(query.q)
    if not query.sort:
        catch_up_attention(membership.practice_id, now)
    ordered = clients.order_by(*_ordering(query.sort))
    number = _page_number(page_number)
    whole_practice = query.scope == "practice" and membership.is_owner

    def fetch(number: int) -> list:
        """The page's clients (and one more) with what the row shows. Who needs attention is
        read from its index in order, rows and all, in one query (its SQL compiled once,
        ``_by_attention``); a sort by a column first finds the ids alone, then reads those
        clients' rows. The whole practice's ids come from an index in order (by a moment of
        the progress rows, ``by_moment``; by a key kept on the client, ``by_key``; by
        clinician, ``by_clinician``); one caseload's are sorted (they grow with the caseload,
        not the practice)."""
        first = (number - 1) * PAGE_SIZE
        if not query.sort and not query.q and _acting(user, membership):
            return _by_attention(user, membership, query, now, first)
        if not query.sort:
            return list(_with_rows(ordered)[first : first + PAGE_SIZE + 1])
        column = query.sort.lstrip("-")
        if column in MOMENTS and whole_practice:
            ids = by_moment(clients, query.sort, membership.practice_id, first)
        elif column in KEYS and whole_practice:
            ids = by_key(clients, query.sort, first)
        elif column == "clinician" and whole_practice:
            ids = by_clinician(clients, query.sort, membership, first)
        else:
            ids = list(ordered.values_list("pk", flat=True)[first : first + PAGE_SIZE + 1])
        position = {pk: index for index, pk in enumerate(ids)}
        found = _with_rows(Client.objects.filter(pk__in=ids))
        return sorted(found, key=lambda client: position[client.pk])

    found = fetch(number)
    if not found and number > 1:  # past the end: the last page, or the first when nothing is shown
        number = max(1, (clients.count() + PAGE_SIZE - 1) // PAGE_SIZE)
        found = fetch(number)
    page = CaseloadPage(
        object_list=found[:PAGE_SIZE], number=number, has_next=len(found) > PAGE_SIZE
    )
    detail, progress_page = url_maker("clients:detail"), url_maker("clients:progress")
    for client in page.object_list:
        client.detail_url, client.progress_url = detail(client.pk), progress_page(client.pk)
    rows.add_cells(page.object_list, now)
    return page


_SAMPLE = uuid.UUID(int=0)
_SAMPLE_INT = 918273645546372819


def url_maker(name: str):
    """``pk -> URL`` for a route taking one UUID or integer ``pk``, reversed once per page."""
    try:
        sample = str(_SAMPLE)
        pattern = reverse(name, args=[_SAMPLE])
    except NoReverseMatch:  # an integer pk
        sample = str(_SAMPLE_INT)
        pattern = reverse(name, args=[_SAMPLE_INT])
    return lambda pk: pattern.replace(sample, str(pk))


def sort_link(current: str, column: str) -> str:
    """The ``sort`` a column heading links to: the other direction if current, else its first."""
    if current == column:
        return f"-{column}"
    if current == f"-{column}":
        return column
    return f"-{column}" if column in DESCENDING_FIRST else column


def scoped_clients(user, membership, query: CaseloadQuery):
    """The active clients the dashboard shows for ``query`` (its scope only, before the
    "show" filter and the search): what the open-alerts panel and the overview count."""
    return _scoped(user, membership, query)
