"""The owners' practice overview below the caseload: how the active clients the dashboard shows
(the whole practice, one clinician's or their own caseload) came out over a period (improved,
stayed, deteriorated, not judged, one assessment only, reached earned security), and the same
for each clinician side by side. The whole practice and one clinician are summed from the
counts kept per day (``overview_counts``); an owner's own caseload is counted client by client.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.trajectory import NumbersChange
from practice import statements
from practice.dashboard import overview_counts
from practice.dashboard.caseload import CaseloadQuery, scoped_clients
from practice.models import ProgressChange

PERIODS = {
    "30": _("30 days"),
    "90": _("90 days"),
    "182": _("6 months"),
    "365": _("12 months"),
    "all": _("All time"),
}
DEFAULT_PERIOD = "90"


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
        counts = scoped_clients(user, membership, scope).aggregate(**_outcome_counts(since))
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
