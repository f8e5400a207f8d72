"""The header's notification: finished reports and batches a user requested, in the practice
they act under, and has not looked at yet.

Every signed-in page shows the count, so it is read in one query whose SQL is compiled once per
process for each role (issue 17): building ``Report.objects.visible_to(user)`` and compiling
it cost the ORM about a millisecond of Python per page, more than the database takes to count.
The SQL is the ORM's own, compiled for a stand-in user acting under a stand-in membership of
that role; each page pastes in its user's and practice's ids where the stand-ins' were. A user
no request bound to a membership (a shell, a test) or bound to one they do not act under is
counted through the ORM as before.
"""

from django.db import connection
from django.db.models import Func, IntegerField, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.sql import Query

from clients.models import Report, ReportBatch, _acting
from practice.acting import UNBOUND, bound_membership, stand_in

# The stand-ins' ids: negative, so no real row's id, and no other parameter of the query.
_STAND_IN_USER = -170001
_STAND_IN_PRACTICE = -170002

_compiled: dict = {}  # (vendor, role) -> (sql, params) with the stand-ins' ids


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
    sql, params = _compiled_for(membership.role)
    ids = {_STAND_IN_USER: user.pk, _STAND_IN_PRACTICE: membership.practice_id}
    params = tuple(ids.get(param, param) if type(param) is int else param for param in params)
    # Django's SQL for a fixed queryset, only the ids of its filters replaced.
    return RawSQL(sql, params, output_field=IntegerField())  # noqa: S611


def unseen_total(user) -> int:
    """``unseen(user)``'s count, in one query (its SQL compiled once for a bound user)."""
    count = unseen_count(user)
    if not isinstance(count, RawSQL):
        return unseen(user).count()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {count.sql}", count.params)
        return cursor.fetchone()[0]


def _compiled_for(role: str):
    key = (connection.vendor, role)
    if key not in _compiled:
        user, _ = stand_in(_STAND_IN_USER, _STAND_IN_PRACTICE, role)
        reports, batches = _unseen(user)
        count = _counted(reports) + _counted(batches)
        query = Query(Report)
        compiler = query.get_compiler(connection=connection)
        _compiled[key] = compiler.compile(count.resolve_expression(query))
    return _compiled[key]


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
