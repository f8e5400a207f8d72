"""The owners' overview without counting the practice on every request.

Counting outcomes over the caseload (``outcomes._outcome_counts``) reads every active client of
the scope: measured with EXPLAIN ANALYZE on PostgreSQL, the whole-practice overview took 1.1 ms
at 1,000 clients and 35 ms at 20,000, the comparison by clinician 1.6 and 59 ms. An index-only
aggregate would still read one index entry per client, so it still grows with the practice;
instead ``PracticeOverview`` keeps the counts per practice, clinician and day, and a period is
the sum of the days after its first (a few rows per clinician and day, however many clients),
plus the clients of its first day read from the progress rows' indexes, so the numbers are
exactly those of the recount. The periods are rolling (the last N days), which day counts can
answer; an arbitrary date range could be answered the same way. What is read grows with the
clinicians and the days with answers (at most clinicians x days), not with the clients: with
EXPLAIN ANALYZE on 20,000 clients on 10 clinicians' caseloads over 400 days (3,961 rows), the
overview took 0.9 ms for 90 days and 1.3 ms for all time (46 and 41 ms counting the clients on
the same loaded machine), the comparison by clinician 1.5 and 1.9 ms (66 ms).

Kept current where progress rows are written: ``sync_overview`` compares each client's
``ClientProgress.counted`` (where they are counted now) with where they belong (their row, their
primary clinician, active or not) and applies the difference in the caller's transaction.
``refresh_client_progress`` calls it, and so does every page that moves a client between
clinicians or in or out of the active caseload without refreshing the row (edit, discharge,
reactivate, a leaving member's hand-over). The rebuild recounts the practice from scratch
(``recount_overview``). Owners' "my caseload" includes clients shared with them, which the
counts per primary clinician cannot tell, so that scope keeps the recount (of one caseload).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from assessments.trajectory.numbers import NumbersChange, numbers_changes, numbers_changes_rows
from clients.models import Client
from practice.models import ClientProgress, PracticeOverview, ProgressChange
from practice.prepared import Prepared

CHANGES = {
    ProgressChange.IMPROVED: "improved",
    ProgressChange.NO_CHANGE: "no_change",
    ProgressChange.DETERIORATED: "deteriorated",
    ProgressChange.NOT_AVAILABLE: "not_available",
    ProgressChange.NOT_COMPARED: "not_compared",
}
COLUMNS = [*CHANGES.values(), "earned"]
_READ = [
    "client_id",
    "practice_id",
    "last_completed_at",
    "change",
    "earned_security",
    "earned_security_since",
    "counted",
    "client__status",
    "client__primary_clinician",
]


def _day(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).date().isoformat()


def _placement(row: dict) -> dict:
    """Where the client of progress ``row`` (``_READ``'s values) belongs in the counts."""
    if row["client__status"] != Client.Status.ACTIVE:
        return {}
    completed = row["last_completed_at"]
    earned = row["earned_security_since"] if row["earned_security"] == "earned" else None
    if completed is None and earned is None:
        return {}
    return {
        "clinician": row["client__primary_clinician"],
        "completed": _day(completed) if completed else None,
        "change": row["change"],
        "earned": _day(earned) if earned else None,
    }


def _add(totals: dict, practice_id, counted: dict, sign: int) -> None:
    if not counted:
        return
    clinician = counted["clinician"]
    if counted["completed"]:
        key = (practice_id, clinician, counted["completed"])
        totals[key][CHANGES.get(counted["change"], "not_compared")] += sign
    if counted["earned"]:
        totals[(practice_id, clinician, counted["earned"])]["earned"] += sign


def _apply(totals: dict) -> None:
    for (practice_id, clinician_id, day), columns in totals.items():
        columns = {name: n for name, n in columns.items() if n}
        if not columns:
            continue
        row, created = PracticeOverview.objects.get_or_create(
            practice_id=practice_id, clinician_id=clinician_id, day=day, defaults=columns
        )
        if not created:
            PracticeOverview.objects.filter(pk=row.pk).update(
                **{name: F(name) + n for name, n in columns.items()}
            )


def sync_overview(client_ids: Iterable) -> int:
    """Move the clients of ``client_ids`` to where they belong in the overview's counts, in the
    caller's transaction. One query when nothing moved; returns how many clients moved.

    The rows are locked first, so two transactions moving the same client one after the other
    each see where the other left it, and never take it out of the counts twice."""
    rows = list(
        ClientProgress.objects.select_for_update(of=("self",))
        .filter(client_id__in=list(client_ids))
        .values(*_READ)
    )
    totals: dict = defaultdict(lambda: defaultdict(int))
    moved = []
    for row in rows:
        placement = _placement(row)
        if placement == row["counted"]:
            continue
        _add(totals, row["practice_id"], row["counted"], -1)
        _add(totals, row["practice_id"], placement, +1)
        moved.append(ClientProgress(client_id=row["client_id"], counted=placement))
    if moved:
        _apply(totals)
        ClientProgress.objects.bulk_update(moved, ["counted"], batch_size=500)
    return len(moved)


def recount_overview(practice_id) -> int:
    """Count the practice's overview again from its progress rows (the rebuild). Returns how
    many clients are counted."""
    totals: dict = defaultdict(lambda: defaultdict(int))
    moved = []
    counted = 0
    rows = ClientProgress.objects.filter(practice_id=practice_id).values(*_READ)
    for row in rows.iterator(chunk_size=2000):
        placement = _placement(row)
        _add(totals, practice_id, placement, +1)
        counted += bool(placement)
        if placement != row["counted"]:
            moved.append(ClientProgress(client_id=row["client_id"], counted=placement))
    ClientProgress.objects.bulk_update(moved, ["counted"], batch_size=500)
    PracticeOverview.objects.filter(practice_id=practice_id).delete()
    PracticeOverview.objects.bulk_create(
        [
            PracticeOverview(practice_id=p, clinician_id=c, day=day, **columns)
            for (p, c, day), columns in totals.items()
            if any(columns.values())
        ],
        batch_size=500,
    )
    return counted


# --- Reading -----------------------------------------------------------------------------------


def empty() -> dict:
    return {"assessed": 0, **dict.fromkeys(COLUMNS, 0)}


# Sample values for the prepared reading queries: numbers and moments no request holds.
_PRACTICE, _CLINICIAN = 918273641, 918273643
_DAY = datetime.date(2001, 2, 3)
_MOMENT = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)


def _days(practice, clinician=None, day=None):
    """The counts kept per day of the practice (or ``clinician``) after ``day``, summed per
    clinician."""
    days = PracticeOverview.objects.filter(practice_id=practice)
    if clinician is not None:
        days = days.filter(clinician_id=clinician)
    if day is not None:
        days = days.filter(day__gt=day)
    return days.values("clinician").annotate(**{n: Sum(n) for n in COLUMNS}).order_by()


def _first_day(practice, start, end, clinician=None):
    """The active clients of the practice (or ``clinician``) assessed or reaching earned
    security from ``start`` to ``end``, counted per clinician and change."""
    rows = ClientProgress.objects.filter(practice_id=practice, client__status=Client.Status.ACTIVE)
    if clinician is not None:
        rows = rows.filter(client__primary_clinician_id=clinician)
    completed = Q(last_completed_at__gte=start, last_completed_at__lt=end)
    earned = Q(
        earned_security="earned", earned_security_since__gte=start, earned_security_since__lt=end
    )
    return (
        rows.filter(completed | earned)
        .values("client__primary_clinician", "change")
        .annotate(completed=Count("pk", filter=completed), earned=Count("pk", filter=earned))
        .order_by()
    )


# Built and compiled once per process for each shape (one clinician or all, a period or ever):
# building them cost more Python than PostgreSQL spends on them (issue 17).
_DAYS = {
    (one, period): Prepared(
        _days,
        practice=_PRACTICE,
        **({"clinician": _CLINICIAN} if one else {}),
        **({"day": _DAY} if period else {}),
    )
    for one in (False, True)
    for period in (False, True)
}
_FIRST_DAY = {
    one: Prepared(
        _first_day,
        practice=_PRACTICE,
        start=_MOMENT,
        end=_MOMENT + datetime.timedelta(days=1),
        **({"clinician": _CLINICIAN} if one else {}),
    )
    for one in (False, True)
}


def counts_by_clinician(practice_id, since: datetime.datetime | None, clinician=None) -> dict:
    """Clinician id to the overview's counts (``outcomes._outcome_counts``'s keys) of their
    active clients assessed since ``since`` (None: ever), for one ``clinician`` or all. Two
    queries with ``since``, one without, each reading rows of days rather than clients."""
    chosen = {} if clinician is None else {"clinician": getattr(clinician, "pk", clinician)}
    period = {} if since is None else {"day": since.astimezone(datetime.UTC).date()}
    counts: dict = defaultdict(empty)
    for row in _DAYS[bool(chosen), bool(period)].rows(practice=practice_id, **chosen, **period):
        for name in COLUMNS:
            counts[row["clinician"]][name] += row[name] or 0
    if since is not None:
        _add_first_day(counts, practice_id, since, chosen)
    for entry in counts.values():
        entry["assessed"] = sum(entry[name] for name in CHANGES.values())
    return dict(counts)


def _add_first_day(counts: dict, practice_id, since, chosen: dict) -> None:
    """The period's first (UTC) day from ``since`` on, read from the progress rows."""
    start = since.astimezone(datetime.UTC)
    end = datetime.datetime.combine(start.date(), datetime.time(), datetime.UTC)
    end += datetime.timedelta(days=1)
    for row in _FIRST_DAY[bool(chosen)].rows(practice=practice_id, start=start, end=end, **chosen):
        entry = counts[row["client__primary_clinician"]]
        entry[CHANGES.get(row["change"], "not_compared")] += row["completed"]
        entry["earned"] += row["earned"]


def practice_counts(practice_id, since, clinician=None) -> dict:
    """The overview's counts for the practice's active clients, or ``clinician``'s."""
    return total(counts_by_clinician(practice_id, since, clinician))


def total(by_clinician: dict) -> dict:
    """The sum of ``counts_by_clinician``'s counts."""
    summed = empty()
    for entry in by_clinician.values():
        for name, n in entry.items():
            summed[name] += n
    return summed


def caseload_holders(practice_id):
    """The members of the practice (any status) who are the primary clinician of an active
    client, by name: one probe of the clients' index per member, not a read of the caseload."""
    return _HOLDERS.rows(practice=practice_id)


def _holders(practice):
    holds = Client.objects.filter(
        practice_id=practice, status=Client.Status.ACTIVE, primary_clinician=OuterRef("pk")
    )
    return (
        get_user_model()
        .objects.filter(memberships__practice_id=practice)
        .filter(Exists(holds))
        .distinct()
        .order_by("full_name", "email")
    )


_HOLDERS = Prepared(_holders, practice=_PRACTICE)


_NUMBERS = Prepared(numbers_changes_rows, practice_id=_PRACTICE)


def practice_numbers_changes(practice_id) -> list[NumbersChange]:
    """``assessments``' ``practice_numbers_changes``, its query compiled once."""
    return numbers_changes(_NUMBERS.rows(practice_id=practice_id))
