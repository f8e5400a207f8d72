"""What the caseload dashboard reads: active clients with their precomputed progress rows
(``ClientProgress``, kept by ``practice.dashboard.progress``), filtered, searched, sorted and paginated,
and the owners' practice overview. Never scores anything: a fixed number of queries whatever
the number of clients or administrations.

Every read starts from ``Client.objects.visible_to(user)``.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import NullIf
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Response
from assessments.services.overview import open_alerts_query
from assessments.trajectory import NumbersChange
from clients.models import Client, _acting
from practice.acting import stand_in
from practice.converters import LARGEST_ID
from practice.dashboard import overview_counts, rows, statements
from practice.dashboard.attention import catch_up_attention
from practice.dashboard.prepared import Prepared
from practice.dashboard.progress import overdue_q
from practice.models import ProgressChange, Role

PAGE_SIZE = 25

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
PERIODS = {
    "30": _("30 days"),
    "90": _("90 days"),
    "182": _("6 months"),
    "365": _("12 months"),
    "all": _("All time"),
}
DEFAULT_PERIOD = "90"

_CHANGE_RANK = Case(
    When(progress__change=ProgressChange.DETERIORATED, then=Value(0)),
    When(progress__change=ProgressChange.IMPROVED, then=Value(1)),
    When(progress__change=ProgressChange.NO_CHANGE, then=Value(2)),
    When(progress__change=ProgressChange.NOT_AVAILABLE, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)
_EARNED_RANK = Case(
    When(progress__earned_security="earned", then=Value(0)),
    When(progress__earned_security="quadrant_move_only", then=Value(1)),
    When(progress__earned_security="not_earned", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
_SORTS = {
    "name": ("full_name",),
    "clinician": ("primary_clinician__full_name", "primary_clinician__email"),
    "style": ("style_or_null", "progress__anxiety", "progress__avoidance"),
    "change": ("change_rank",),
    "earned": ("earned_rank",),
    "alerts": ("progress__open_alerts",),
    "due": ("progress__next_due_at",),
    "completed": ("progress__last_completed_at",),
    "session": ("progress__last_session_at",),
}
_ANNOTATED = {"change_rank", "earned_rank", "style_or_null"}
# Columns whose natural first click is "most first" rather than "A to Z".
_DESCENDING_FIRST = {"alerts", "completed", "session"}


@dataclass(frozen=True)
class CaseloadQuery:
    scope: str = "mine"
    clinician: object = None  # a User, with scope "clinician"
    show: str = ""
    q: str = ""
    sort: str = ""  # a COLUMNS key, "-" before it for descending; empty: who needs attention


def _scoped(user, membership, query: CaseloadQuery):
    clients = Client.objects.visible_in(user, membership).active()
    if query.scope == "practice" and membership.is_owner:
        return clients
    if query.scope == "clinician" and membership.is_owner and query.clinician is not None:
        return clients.filter(primary_clinician=query.clinician)
    if not membership.is_owner:  # visible_in already kept their own and shared clients
        return clients
    shared = Client.objects.filter(shares__clinician=user).values("pk")
    return clients.filter(Q(primary_clinician=user) | Q(pk__in=shared))


def _shown(clients, show: str, now):
    if show == "alerts":
        return clients.filter(progress__open_alerts__gt=0)
    if show == "overdue":
        return clients.filter(overdue_q(now))
    if show in ("deteriorated", "improved"):
        return clients.filter(progress__change=show)
    if show == "earned":
        return clients.filter(progress__earned_security="earned")
    if show == "none":
        return clients.filter(
            Q(progress__isnull=True) | Q(progress__last_completed_at__isnull=True)
        )
    return clients


def _ordering(sort: str) -> tuple[list, dict]:
    """The ORDER BY for ``sort`` and the annotations it needs (only those: each costs)."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in _SORTS:  # who needs attention first: the stored key, read from an index
        return ["attention", "full_name", "pk"], set()
    if key == "name":  # read from the client_name_* indexes, backwards when descending
        return (
            [F("full_name").desc(), F("pk").desc()] if descending else ["full_name", "pk"]
        ), set()
    fields = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        for name in _SORTS[key]
    ]
    return [*fields, "full_name", "pk"], set(_SORTS[key]) & _ANNOTATED


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


# Sorts of the whole practice by a moment of the progress row, read from its index (practice,
# moment) in order: the clients with that moment first, as the sort puts them, then those
# without (no row, or no such moment yet) by name. Not for one caseload: the index does not
# lead with the clinician, so a small caseload in a large practice would walk the practice's
# rows to fill a page; its clients are sorted instead (they grow with the caseload).
_MOMENTS = {"due": "next_due_at", "completed": "last_completed_at", "session": "last_session_at"}


def _by_moment(clients, sort: str, practice_id, first: int) -> list:
    """The ids of the page starting at ``first`` (and one more) of ``clients`` sorted by a
    progress row's moment (``_MOMENTS``), in ``_ordering``'s order: the clients with the
    moment are read from the progress rows' index with LIMIT, then those without it by name
    from the clients' index. Only a page wholly past the clients with the moment counts them,
    to know where those without it start."""
    moment = f"progress__{_MOMENTS[sort.lstrip('-')]}"
    order = F(moment).desc() if sort.startswith("-") else F(moment).asc()
    wanted = PAGE_SIZE + 1
    # The progress row's own practice, so the index that leads with it is read in order.
    with_moment = clients.filter(
        **{"progress__practice_id": practice_id, f"{moment}__isnull": False}
    )
    ids = list(
        with_moment.order_by(order, "full_name", "pk").values_list("pk", flat=True)[
            first : first + wanted
        ]
    )
    if len(ids) == wanted:
        return ids
    # How many clients with the moment come before those without it: known from this read
    # unless the page lies wholly past them.
    before = first + len(ids) if ids or not first else with_moment.count()
    without = clients.filter(Q(progress__isnull=True) | Q(**{f"{moment}__isnull": True}))
    start = max(0, first - before)
    rest = without.order_by("full_name", "pk").values_list("pk", flat=True)
    return ids + list(rest[start : start + wanted - len(ids)])


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


def _attention_query(
    scope: str, is_owner: bool, one_clinician: bool, show: str, alerts: bool = False
) -> Prepared:
    """The page's clients in who-needs-attention order with their rows (or, with ``alerts``,
    the open-alerts panel's alerts of the scope), for one shape of ``CaseloadQuery`` (no
    search, no sort), prepared once per process: the same ``_scoped``, ``_shown``,
    ``_with_rows`` and ``open_alerts_query`` as every other page, on stand-ins for the user,
    their membership and the clinician chosen."""
    key = (scope, is_owner, one_clinician, show, alerts)
    if key in _BY_ATTENTION:
        return _BY_ATTENTION[key]

    def build(practice, user=_SAMPLE_USER, clinician=None, now=_SAMPLE_NOW):
        person, membership = stand_in(user, practice, Role.OWNER if is_owner else Role.CLINICIAN)
        chosen = get_user_model()(pk=clinician) if clinician is not None else None
        query = CaseloadQuery(scope=scope, clinician=chosen, show=show)
        if alerts:
            return open_alerts_query(person, membership, _scoped(person, membership, query))
        clients = _shown(_scoped(person, membership, query), show, now)
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
    """The page starting at ``first`` (and one more) in who-needs-attention order."""
    prepared = _attention_query(
        query.scope, membership.is_owner, query.clinician is not None, query.show
    )
    values = {
        "practice": membership.practice_id,
        "user": user.pk,
        "clinician": getattr(query.clinician, "pk", None),
        "now": now,
    }
    return prepared.rows(
        limit=PAGE_SIZE + 1,
        offset=first,
        **{name: values[name] for name in prepared.samples},
    )


def panel_alerts(user, membership, query: CaseloadQuery, limit: int) -> list:
    """The first ``limit`` open alerts of the clients of ``query``'s scope, newest first, as
    ``assessments``' ``open_alerts`` reads them, its query compiled once per shape."""
    if not _acting(user, membership):
        return []
    prepared = _attention_query(
        query.scope, membership.is_owner, query.clinician is not None, "", alerts=True
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
    ordering, needed = _ordering(query.sort)
    if not query.sort:
        catch_up_attention(membership.practice_id, now)
    annotations = {
        "change_rank": lambda: _CHANGE_RANK,
        "earned_rank": lambda: _EARNED_RANK,
        "style_or_null": lambda: NullIf("progress__style", Value("")),
    }
    ordered = clients.annotate(**{name: annotations[name]() for name in needed}).order_by(*ordering)
    number = _page_number(page_number)
    whole_practice = query.scope == "practice" and membership.is_owner

    def fetch(number: int) -> list:
        """The page's clients (and one more) with what the row shows. Who needs attention is
        read from its index in order, rows and all, in one query (its SQL compiled once,
        ``_by_attention``); a sort by a column first finds the ids alone (the whole practice
        by a moment from the progress rows' index, ``_by_moment``; else sorted, narrow), then
        reads those clients' rows."""
        first = (number - 1) * PAGE_SIZE
        if not query.sort and not query.q and _acting(user, membership):
            return _by_attention(user, membership, query, now, first)
        if not query.sort:
            return list(_with_rows(ordered)[first : first + PAGE_SIZE + 1])
        if query.sort.lstrip("-") in _MOMENTS and whole_practice:
            ids = _by_moment(clients, query.sort, membership.practice_id, first)
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
    return f"-{column}" if column in _DESCENDING_FIRST else column


# --- The owners' overview --------------------------------------------------------------------


@dataclass
class Overview:
    period: str
    since: datetime.datetime | None
    assessed: int
    rows: list[dict]  # {"key", "label", "count", "percent"}
    # The reliable-change numbers the counts are judged with, where the practice set its own:
    # changing them moves the counts, so the overview says which and when.
    numbers: list[NumbersChange] = field(default_factory=list)


OUTCOMES = [
    ("improved", _("Improved")),
    ("no_change", _("Stayed (no reliable change)")),
    ("deteriorated", _("Deteriorated")),
    ("not_available", _("Reliable change not available")),
    ("not_compared", _("One assessment only")),
    ("earned", _("Reached earned security")),
]


def _since(period: str, now) -> datetime.datetime | None:
    return None if period == "all" else now - datetime.timedelta(days=int(period))


def _outcome_counts(since) -> dict:
    """Aggregates over clients: how many were assessed in the period, and of those how many
    improved, stayed, deteriorated, had no judgement or one assessment only since their
    baseline at their latest assessment; and how many reached earned security in the period."""
    assessed_q = Q(progress__last_completed_at__isnull=False)
    earned_q = Q(progress__earned_security="earned", progress__earned_security_since__isnull=False)
    if since is not None:
        assessed_q &= Q(progress__last_completed_at__gte=since)
        earned_q &= Q(progress__earned_security_since__gte=since)
    change = {
        name: Count("pk", filter=assessed_q & Q(progress__change=value))
        for name, value in (
            ("improved", ProgressChange.IMPROVED),
            ("no_change", ProgressChange.NO_CHANGE),
            ("deteriorated", ProgressChange.DETERIORATED),
            ("not_available", ProgressChange.NOT_AVAILABLE),
            ("not_compared", ProgressChange.NOT_COMPARED),
        )
    }
    return {
        "assessed": Count("pk", filter=assessed_q),
        "earned": Count("pk", filter=earned_q),
        **change,
    }


def _rows(counts: dict) -> list[dict]:
    assessed = counts["assessed"]
    return [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "percent": round(100 * counts[key] / assessed) if assessed else 0,
        }
        for key, label in OUTCOMES
    ]


def overview(
    user, membership, period: str = DEFAULT_PERIOD, query: CaseloadQuery | None = None, *, now=None
) -> Overview | None:
    """For owners: the outcomes of the active clients the dashboard shows (``query``'s scope:
    their own caseload, one clinician's or, without a query, the whole practice) who were
    assessed in the period (``_outcome_counts``), and the reliable-change numbers the practice
    set (``practice_numbers_changes``). The whole practice and one clinician are summed from
    the counts kept per day (``overview_counts``, which says why); owners' own caseload, which
    includes the clients shared with them, is counted. Two to four queries."""
    if not membership.is_owner:
        return None
    since = _since(period, now or timezone.now())
    scope = query or CaseloadQuery(scope="practice")
    if scope.scope == "practice" or (scope.scope == "clinician" and scope.clinician is not None):
        clinician = scope.clinician if scope.scope == "clinician" else None
        counts = overview_counts.practice_counts(membership.practice_id, since, clinician)
    else:  # their own caseload with the clients shared with them: counted here (see above)
        counts = _scoped(user, membership, scope).aggregate(**_outcome_counts(since))
    return _overview(membership, period, since, counts)


def _overview(membership, period: str, since, counts: dict) -> Overview:
    return Overview(
        period=period,
        since=since,
        assessed=counts["assessed"],
        rows=_rows(counts),
        numbers=overview_counts.practice_numbers_changes(membership.practice_id),
    )


@dataclass
class ClinicianOutcomes:
    clinician_id: int
    name: str
    assessed: int
    rows: list[dict]  # as Overview.rows


def outcomes_by_clinician(
    user, membership, period: str = DEFAULT_PERIOD, *, now=None
) -> list[ClinicianOutcomes]:
    """For owners: the overview's outcomes for each clinician's active caseload (the clients
    whose primary clinician they are), so clinicians can be compared over the same period.
    Clinicians holding no active client are left out. Summed from the counts kept per day
    (``overview_counts``); three queries."""
    if not membership.is_owner:
        return []
    since = _since(period, now or timezone.now())
    return _by_clinician(
        membership, overview_counts.counts_by_clinician(membership.practice_id, since)
    )


def _by_clinician(membership, counts: dict) -> list[ClinicianOutcomes]:
    return [
        ClinicianOutcomes(
            clinician_id=clinician.pk,
            name=str(clinician),
            assessed=counts.get(clinician.pk, {}).get("assessed", 0),
            rows=_rows(counts.get(clinician.pk) or overview_counts.empty()),
        )
        for clinician in overview_counts.caseload_holders(membership.practice_id)
    ]


def overviews(
    user, membership, period: str, query: CaseloadQuery, *, now=None
) -> tuple[Overview | None, list[ClinicianOutcomes]]:
    """For owners, what the dashboard shows below the caseload: the ``overview`` of the scope
    of ``query`` and, for the whole practice, the ``outcomes_by_clinician``. The whole
    practice's counts are the sum of its clinicians', so both come from one reading of the
    counts per day (two queries fewer than asking for each)."""
    if not membership.is_owner:
        return None, []
    if query.scope != "practice":
        # Counted client by client (the ORM's queries, not ``Prepared``'s): planned once per
        # connection too, as planning them took longer than running them (issue 17).
        with statements.prepared():
            return overview(user, membership, period, query, now=now), []
    since = _since(period, now or timezone.now())
    counts = overview_counts.counts_by_clinician(membership.practice_id, since)
    return (
        _overview(membership, period, since, overview_counts.total(counts)),
        _by_clinician(membership, counts),
    )


def scoped_clients(user, membership, query: CaseloadQuery):
    """The active clients the dashboard shows for ``query`` (its scope only, before the
    "show" filter and the search): what the open-alerts panel and the overview count."""
    return _scoped(user, membership, query)
