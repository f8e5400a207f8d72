"""Querysets built and compiled once per process, then run with each request's values.

The dashboard's queries have the same shape on every request; only a few values change (the
practice, the user, the moment, the page). Building such a queryset (filters, joins, ``only``,
annotations) and compiling it costs more Python than PostgreSQL takes to run it (issue 17), as
``nested.compiled_once`` found for the client page. ``Prepared(build, **samples)`` calls
``build(**samples)`` once per database vendor, compiles it, and learns where each sample's value
sits among the SQL's parameters by compiling again with that one value changed: the SQL must
not change, and each value must reach the parameters as it is or as the backend adapts a date or
a datetime. ``rows(**values)`` then runs that SQL with ``values`` in their places and turns the
rows into what the queryset would have given (model instances with their ``select_related``
relations and annotations, or ``values_list`` tuples), through the compiled query's converters.
A page that needs rows can ask for ``limit`` and ``offset``, appended to the SQL as numbers.
On PostgreSQL the SQL runs as a prepared statement (``statements.prepared``), planned once per
connection, except at an offset (a later page).

A value that changes the SQL (a search's words, a slice) does not fit: ``Prepared`` refuses it
when compiled, and such requests keep the ORM. Tests compare each prepared query's rows with
the ORM's.
"""

import contextlib
import copy
import datetime

from django.db import connection

from practice.dashboard import statements


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


class _Compiled:
    def __init__(self, build, samples: dict):
        queryset = build(**samples)
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.places = {}  # name -> [(position, adapter)]
        for name, sample in samples.items():
            other = _second(sample)
            changed = build(**{**samples, name: other}).query.get_compiler(connection=connection)
            sql, params = changed.as_sql()
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

    def run(self, values: dict, limit, offset, prepare=None):
        params = list(self.params)
        for name, places in self.places.items():
            for position, adapter in places:
                params[position] = adapter(values[name])
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
    """``build(**samples)`` compiled once per database vendor; ``rows(**values)`` runs it with
    ``values`` in place of the samples (see the module's docstring). Give samples no query
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
        return self.compiled().run(values, limit, offset, prepare)
