"""Queries and expressions built and compiled once per process, then run with each request's
values: the one way Attune skips the ORM's work on a query whose shape never changes.

The dashboard's queries, the client page's and the header's unseen-reports count have the same
shape on every request; only a few values change (the practice, the user, the moment, the
client). Building such a queryset (filters, joins, ``only``, annotations) and compiling it costs
more Python than PostgreSQL takes to run it (issue 17). ``Prepared(build, **samples)`` calls
``build(**samples)`` once per database vendor, compiles it, and learns where each sample's value
sits among the SQL's parameters by compiling again with that one value changed: the SQL must
not change, and each value must reach the parameters as it is or as the backend adapts a date or
a datetime.

``build`` gives a queryset or an expression:

- a queryset: ``rows(**values)`` runs its SQL with ``values`` in their places and turns the rows
  into what the queryset would have given (model instances with their ``select_related``
  relations and annotations, or ``values_list`` tuples), through the compiled query's
  converters. A page that needs rows can ask for ``limit`` and ``offset``, appended to the SQL
  as numbers. On PostgreSQL the SQL runs as a prepared statement (``statements.prepared``),
  planned once per connection, except at an offset (a later page);
- an expression (a subquery, a count): ``expression(**values)`` is its SQL with ``values`` in
  their places, as a ``RawSQL`` another query annotates with (the client page's lists, read
  inside the client's own query, ``practice.dashboard.nested``; the header's count).

A value that changes the SQL (a search's words, a slice) does not fit: ``Prepared`` refuses it
when compiled, and such requests keep the ORM. Tests compare each prepared query's rows with
the ORM's.
"""

import contextlib
import copy
import datetime

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query

from practice import statements


def _second(value):
    """Another value of the same type as sample ``value``, to find where ``value`` goes."""
    if isinstance(value, datetime.datetime):
        return value + datetime.timedelta(days=1, seconds=1)
    if isinstance(value, datetime.date):
        return value + datetime.timedelta(days=1)
    return value + 1


def _adapters():
    ops = connection.ops
    return [
        lambda value: value,
        ops.adapt_datetimefield_value,
        ops.adapt_datefield_value,
    ]


def _gives(adapter, sample, before, other, after) -> bool:
    """Whether ``adapter`` turns the samples into the parameters the ORM gave."""
    try:
        return adapter(sample) == before and adapter(other) == after
    except (AttributeError, TypeError, ValueError):  # a date given to the datetimes' adapter
        return False


def _compile(built):
    """The compiler, SQL and parameters of ``built``, a queryset or an expression."""
    if isinstance(built, QuerySet):
        compiler = built.query.get_compiler(connection=connection)
        return (compiler, *compiler.as_sql())
    query = Query(None)
    compiler = query.get_compiler(connection=connection)
    return (compiler, *compiler.compile(built.resolve_expression(query)))


def written_in(value: int) -> RawSQL:
    """An integer constant of a query's shape written into its SQL, not passed as a parameter,
    as ``rows``' LIMIT is: a prepared statement's generic plan then knows it (how few rows pass
    a bound), where it would plan a parameter for any value."""
    return RawSQL(str(int(value)), [])  # noqa: S611 (an integer)


class _Compiled:
    def __init__(self, build, samples: dict):
        built = build(**samples)
        self.queryset = built if isinstance(built, QuerySet) else None
        self.output_field = None if self.queryset is not None else built.output_field
        self.compiler, self.sql, params = _compile(built)
        self.params = list(params)
        self.places = {}  # name -> [(position, adapter)]
        for name, sample in samples.items():
            other = _second(sample)
            _, sql, params = _compile(build(**{**samples, name: other}))
            if sql != self.sql or len(params) != len(self.params):
                raise ValueError(f"{name} changes the SQL: it cannot be a parameter")
            places = []
            for position, (before, after) in enumerate(zip(self.params, params, strict=True)):
                if before == after:
                    continue
                adapter = next(
                    (a for a in _adapters() if _gives(a, sample, before, other, after)), None
                )
                if adapter is None:
                    raise ValueError(f"{name} reaches the SQL transformed: {before!r}")
                places.append((position, adapter))
            if not places:
                raise ValueError(f"{name} is not in the SQL")
            self.places[name] = places

    def parameters(self, values: dict) -> list:
        """The SQL's parameters with ``values`` in the samples' places."""
        params = list(self.params)
        for name, places in self.places.items():
            for position, adapter in places:
                params[position] = adapter(values[name])
        return params

    def run(self, values: dict, limit, offset, prepare=None):
        params = self.parameters(values)
        sql = self.sql
        if limit is not None:
            # Written into the SQL, not passed as parameters: run as a prepared statement
            # (``statements.prepared``), its generic plan then knows how few rows are wanted.
            sql = f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}"
        run = copy.copy(self.compiler)
        run.connection = connection  # this thread's
        run.as_sql = lambda *args, **kwargs: (sql, params)
        # The same SQL on every request, so PostgreSQL plans it once per connection (planning
        # took longer than running these queries, issue 17); at an offset past the first page,
        # each offset would be a statement of its own, so later pages are planned each time.
        if prepare is None:
            prepare = not offset
        with statements.prepared() if prepare else contextlib.nullcontext():
            return list(self.queryset._iterable_class(_Ran(self.queryset, run)))


class _Ran:
    """The compiled queryset as its iterable class (models, values, values_list) reads it,
    with the compiler that runs the SQL with this call's parameters."""

    def __init__(self, queryset, compiler):
        self.model, self.db = queryset.model, compiler.using
        self._known_related_objects = queryset._known_related_objects
        self._fields = queryset._fields
        self.query = _Query(queryset.query, compiler)


class _Query:
    def __init__(self, query, compiler):
        self._query, self._compiler = query, compiler

    def get_compiler(self, *args, **kwargs):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)


class Prepared:
    """``build(**samples)`` compiled once per database vendor; ``rows(**values)`` runs it (a
    queryset) with ``values`` in place of the samples, ``expression(**values)`` gives its SQL
    (an expression's) with them (see the module's docstring). Give samples no query
    would hold otherwise (large numbers, far moments), so none is mistaken for a constant."""

    def __init__(self, build, **samples):
        self.build, self.samples = build, samples
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self) -> _Compiled:
        vendor = connection.vendor
        if vendor not in self._compiled:
            self._compiled[vendor] = _Compiled(self.build, self.samples)
        return self._compiled[vendor]

    def rows(
        self, *, limit: int | None = None, offset: int = 0, prepare: bool | None = None, **values
    ) -> list:
        """The queryset's rows with ``values``: model instances, or tuples of a
        ``values_list`` (its values alone when it is ``flat``). Run as a prepared statement
        unless ``prepare`` is False (by default, unless at an offset)."""
        compiled = self.compiled()
        if compiled.queryset is None:
            raise TypeError("an expression has no rows of its own: use expression()")
        return compiled.run(values, limit, offset, prepare)

    def expression(self, **values) -> RawSQL:
        """The expression's SQL with ``values``, for another query to annotate with."""
        compiled = self.compiled()
        if compiled.queryset is not None:
            raise TypeError("a queryset is run with rows()")
        # Django's own SQL for the expression, only the samples' values replaced.
        return RawSQL(compiled.sql, compiled.parameters(values), compiled.output_field)  # noqa: S611
