"""The header's notification: finished reports and batches a user requested, in the practice
they act under, and has not looked at yet.

Every signed-in page shows the count, so it is read in one query whose SQL is compiled once per
process for each role (issue 17, ``practice.prepared``): building
``Report.objects.visible_to(user)`` and compiling it cost the ORM about a millisecond of Python
per page, more than the database takes to count. The SQL is the ORM's own, compiled for a
stand-in user acting under a stand-in membership of that role; each page's user's and
practice's ids take the stand-ins' places. A user no request bound to a membership (a shell, a
test) or bound to one they do not act under is counted through the ORM as before.
"""

from django.db import connection
from django.db.models import Func, IntegerField, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from clients.models import Report, ReportBatch, _acting
from practice.acting import UNBOUND, bound_membership, stand_in
from practice.prepared import Prepared

_BY_ROLE: dict[str, Prepared] = {}  # the count, compiled once per role


def unseen(user):
    """The unseen reports' and batches' ids, as a queryset (one query when counted)."""
    reports, batches = _unseen(user)
    return reports.union(batches, all=True)


def unseen_count(user):
    """``unseen(user)`` counted, as an expression: a page's own query can carry the header's
    count instead of a query of its own (the client page reads it with the client)."""
    membership = bound_membership(user)
    if membership is UNBOUND or not _acting(user, membership):
        reports, batches = _unseen(user)
        return _counted(reports) + _counted(batches)
    return _count_for(membership.role).expression(user=user.pk, practice=membership.practice_id)


def unseen_total(user) -> int:
    """``unseen(user)``'s count, in one query (its SQL compiled once for a bound user)."""
    count = unseen_count(user)
    if not isinstance(count, RawSQL):
        return unseen(user).count()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {count.sql}", count.params)
        return cursor.fetchone()[0]


def _count_for(role: str) -> Prepared:
    if role not in _BY_ROLE:

        def build(user, practice):
            person, _ = stand_in(user, practice, role)
            reports, batches = _unseen(person)
            return _counted(reports) + _counted(batches)

        _BY_ROLE[role] = Prepared(build, user=916_000_001, practice=916_000_010)
    return _BY_ROLE[role]


def _counted(rows):
    count = Func("pk", function="COUNT", output_field=IntegerField())
    return Coalesce(Subquery(rows.values(n=count)), 0)


def _unseen(user):
    reports = (
        Report.objects.visible_to(user)
        .filter(
            requested_by=user,
            batch__isnull=True,
            status__in=Report.FINISHED,
            seen_at__isnull=True,
        )
        .order_by()
        .values("pk")
    )
    batches = (
        ReportBatch.objects.visible_to(user)
        .filter(requested_by=user, finished_at__isnull=False, seen_at__isnull=True)
        .order_by()
        .values("pk")
    )
    return reports, batches
