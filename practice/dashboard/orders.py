"""The whole practice's caseload page in a column's order, read from indexes with LIMIT instead
of sorting every client (issue 17): by a moment of the progress rows (``by_moment``), by a key
kept on the client (``by_key``, ``attention.sort_keys``) and by clinician (``by_clinician``),
each as segments read one after the other (``walk``). ``caseload`` picks one of these for an
owner's whole practice; one caseload's clients are sorted (they grow with the caseload).
"""

from django.db.models import Count, F, Q

from clients.models import Client
from clients.services import caseload_holders
from practice.acting import for_this_request
from practice.models import Practice
from practice.prepared import Prepared

PAGE_SIZE = 25

# Columns sorted by a key kept on the client with the progress row (``attention.sort_keys``),
# each with an index (practice, status, key, name): a column's first click reads it forwards
# (the alerts' key is negated for that), the other reads it backwards, the whole list reversed
# except that clients without a value (``Client.SORT_LAST``) come last either way.
KEYS = {
    "style": "sort_style",
    "change": "sort_change",
    "earned": "sort_earned",
    "alerts": "sort_alerts",
}
# Columns whose natural first click is "most first" rather than "A to Z".
DESCENDING_FIRST = {"alerts", "completed", "session"}


def forwards(sort: str) -> bool:
    """Whether ``sort`` (a ``KEYS`` column) reads its key forwards: its first click does."""
    return sort.startswith("-") == (sort.lstrip("-") in DESCENDING_FIRST)


# Sorts of the whole practice by a moment of the progress row, read from its index (practice,
# moment) in order: the clients with that moment first, as the sort puts them, then those
# without (no row, or no such moment yet) by name. Not for one caseload: the index does not
# lead with the clinician, so a small caseload in a large practice would walk the practice's
# rows to fill a page; its clients are sorted instead (they grow with the caseload).
MOMENTS = {"due": "next_due_at", "completed": "last_completed_at", "session": "last_session_at"}


def walk(segments: list, first: int, sizes: list | None = None) -> list:
    """The ids of the page starting at ``first`` (and one more) of ``segments`` one after the
    other, each a queryset of ids in its order read with LIMIT. A segment the page starts
    wholly past is counted to know where the next one starts, unless ``sizes`` gives its size
    (then it is not read at all)."""
    wanted = PAGE_SIZE + 1
    ids, skip = [], first
    for index, segment in enumerate(segments):
        if sizes is not None and sizes[index] <= skip:
            skip -= sizes[index]
            continue
        found = list(segment[skip : skip + wanted - len(ids)])
        ids += found
        if len(ids) == wanted:
            break
        skip = 0 if found or not skip else skip - segment.count()
    return ids


def by_moment(clients, sort: str, practice_id, first: int) -> list:
    """The ids of the page starting at ``first`` (and one more) of ``clients`` sorted by a
    progress row's moment (``MOMENTS``), in ``_ordering``'s order: the clients with the
    moment from the progress rows' index, then those without it by name from the clients'."""
    moment = f"progress__{MOMENTS[sort.lstrip('-')]}"
    order = F(moment).desc() if sort.startswith("-") else F(moment).asc()
    # The progress row's own practice, so the index that leads with it is read in order.
    with_moment = clients.filter(
        **{"progress__practice_id": practice_id, f"{moment}__isnull": False}
    )
    without = clients.filter(Q(progress__isnull=True) | Q(**{f"{moment}__isnull": True}))
    return walk(
        [
            with_moment.order_by(order, "full_name", "pk").values_list("pk", flat=True),
            without.order_by("full_name", "pk").values_list("pk", flat=True),
        ],
        first,
    )


def by_key(clients, sort: str, first: int) -> list:
    """The ids of the page starting at ``first`` (and one more) of ``clients`` sorted by a key
    kept on the client (``KEYS``), in ``_ordering``'s order, from its index (practice,
    status, key, name): forwards in one read; backwards, those with a value read backwards,
    then those without (``Client.SORT_LAST``) by name backwards."""
    field = KEYS[sort.lstrip("-")]
    if forwards(sort):
        return list(
            clients.order_by(field, "full_name", "pk").values_list("pk", flat=True)[
                first : first + PAGE_SIZE + 1
            ]
        )
    backwards = [F(field).desc(), F("full_name").desc(), F("pk").desc()]
    return walk(
        [
            clients.filter(**{f"{field}__lt": Client.SORT_LAST})
            .order_by(*backwards)
            .values_list("pk", flat=True),
            clients.filter(**{field: Client.SORT_LAST})
            .order_by(*backwards)
            .values_list("pk", flat=True),
        ],
        first,
    )


# The practice's caseload holders (``caseload_holders``) by name, compiled once per process: the
# dashboard lists them to choose from, and the whole practice's sort by clinician walks them.
_CLINICIANS = Prepared(lambda practice: caseload_holders(Practice(pk=practice)), practice=918273641)


def clinicians(membership) -> list:
    """Who can be chosen as the clinician whose clients the dashboard shows, by name: read
    once per request (kept on the request's membership), by the filter and the sort."""
    return for_this_request(
        membership, "clinicians", lambda: _CLINICIANS.rows(practice=membership.practice_id)
    )


def by_clinician(clients, sort: str, membership, first: int) -> list:
    """The ids of the page starting at ``first`` (and one more) of the whole practice's
    ``clients`` by clinician: each clinician's clients by name from the index (practice,
    clinician, status, name), clinicians by name (reversed when descending). The first page
    reads the first clinicians' clients alone; a later one first counts each clinician's
    clients (one query) to know where it starts."""
    holders = [user.pk for user in clinicians(membership)]
    if sort.startswith("-"):
        holders.reverse()
    sizes = None
    if first:
        counts = dict(
            clients.order_by()
            .values_list("primary_clinician_id")
            .annotate(count=Count("pk"))
            .values_list("primary_clinician_id", "count")
        )
        sizes = [counts.get(pk, 0) for pk in holders]
    segments = [
        clients.filter(primary_clinician_id=pk)
        .order_by("full_name", "pk")
        .values_list("pk", flat=True)
        for pk in holders
    ]
    return walk(segments, first, sizes)
