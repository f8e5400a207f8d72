"""Short lists of related rows read inside their parent's query, as one JSON array each.

A page that shows a parent with several short lists about it (the client page: a client's
shares, episodes, newest reports and notes; each link's and each schedule's questionnaires)
would otherwise pay one query per list, each with its round trip and its SQL compiled in
Python (issue 17). ``json_rows(queryset, limit, **fields)`` is a scalar subquery giving the
first ``limit`` rows of ``queryset``, in its order, as a JSON array of objects with ``fields``;
annotate the parent with it, then ``instances(Model, rows)`` turns the objects back into model
instances that templates and model methods read as usual.

A list whose SQL is the same on every request (only its parent changes) is built through
``compiled_once`` and correlated with ``parent_pk``: the ORM builds and compiles it once per
process, since building and compiling such subqueries costs more Python than the database
takes to run them.

PostgreSQL and SQLite (the tests' database) only. A field the objects leave out is deferred:
reading it costs a query, so the pages' query-count tests catch a missing one.
"""

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import Func, JSONField, Subquery, Window
from django.db.models.expressions import Col, RawSQL
from django.db.models.functions import JSONObject, RowNumber
from django.utils.dateparse import parse_datetime

from practice.prepared import Prepared


class JSONRows(Subquery):
    """The ``item`` column of a subquery's rows as a JSON array, in the order of its
    ``ordinal`` column (``[]`` when there are none)."""

    output_field = JSONField()
    template = (
        "(SELECT COALESCE(JSONB_AGG(_rows.item ORDER BY _rows.ordinal), '[]'::jsonb) "
        "FROM (%(subquery)s) _rows)"
    )

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite (3.40 here) has no ORDER BY inside an aggregate. An aggregate over an ordered
        # derived table is never flattened into it (SQLite's flattening rule 16), so it reads
        # the rows in that order; JSON() keeps each object (and the array, when nested in a
        # parent's object) JSON rather than text.
        template = (
            "JSON((SELECT JSON_GROUP_ARRAY(JSON(_rows.item)) FROM "
            "(SELECT * FROM (%(subquery)s) ORDER BY ordinal) _rows))"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def json_rows(queryset, limit: int | None = None, **fields) -> JSONRows:
    """The first ``limit`` rows of ``queryset`` (all without one), in its order, as a JSON array
    of objects: each key of ``fields`` names a field (``author__email`` follows a relation) or
    maps to an expression. ``queryset`` is usually correlated with the parent through
    ``OuterRef``."""
    order = queryset.query.order_by or queryset.model._meta.ordering
    if not order:
        raise ValueError("json_rows needs an ordered queryset: its order is the array's")
    values = {
        key: _Column(models.F(value)) if isinstance(value, str) else value
        for key, value in fields.items()
    }
    rows = queryset.annotate(ordinal=Window(RowNumber(), order_by=list(order))).values(
        "ordinal", item=JSONObject(**values)
    )
    return JSONRows(rows[:limit] if limit is not None else rows)


class _Column(Func):
    """A field in a row's object: as it is, but a JSON column on SQLite, which stores JSON as
    text and would put it in the object as a string, is read as JSON."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        column = self.source_expressions[0]
        if isinstance(column, Col) and isinstance(column.output_field, JSONField):
            extra_context["template"] = "JSON(%(expressions)s)"
        return self.as_sql(compiler, connection, **extra_context)


def columns(model, *, leave_out=()) -> dict:
    """Every concrete field of ``model`` but ``leave_out``, by the name its column has on the
    instance (``client_id``), as ``json_rows`` takes them: an instance read from such rows has
    each field its properties read, so none costs a query of its own."""
    return {
        field.attname: field.attname
        for field in model._meta.concrete_fields
        if field.name not in leave_out
    }


def related(relation: str, *names) -> dict:
    """``names`` of the row's ``relation`` (``author``: ``author__id``...), for ``json_rows``;
    give the related row's primary key among them, or ``instances`` would clear the relation."""
    return {f"{relation}__{name}": f"{relation}__{name}" for name in names}


def parent_pk(model) -> RawSQL:
    """The parent row's primary key, for a list ``compiled_once`` (the parent query names its
    own table after its model's, as Django does)."""
    return parent_column(model, model._meta.pk.name)


def parent_column(model, name: str) -> RawSQL:
    """Field ``name`` of the parent query's row of ``model``: its own table, or a table it joins
    once (Django names a table's first join after the table, as it names its own)."""
    quote = connection.ops.quote_name
    field = model._meta.get_field(name)
    column = f"{quote(model._meta.db_table)}.{quote(field.column)}"
    return RawSQL(column, (), output_field=field)  # noqa: S611 (the model's own names, quoted)


def compiled_once(build):
    """``build()`` (a ``json_rows`` correlated through ``parent_pk``, the same on every request)
    compiled once per database vendor (``practice.prepared``), returning an expression that only
    pastes the SQL in: building and compiling the ORM's subqueries costs far more Python than
    the database takes to run them (issue 17)."""
    return Prepared(build).expression


def instances(model, rows: list[dict] | None) -> list:
    """``rows`` (objects read by ``json_rows`` with the keys of ``model``'s fields) as instances
    of ``model``. A key ``relation__field`` fills the related instance (``None`` when all its
    keys are); keys that name no field become plain attributes (counts, lists)."""
    return [_instance(model, row) for row in rows or ()]


def _instance(model, row: dict):
    own, related, extra = {}, {}, {}
    for key, value in row.items():
        name, _, rest = key.partition("__")
        if rest:
            related.setdefault(name, {})[rest] = value
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            extra[key] = value
            continue
        own[field.attname] = _python(field, value)
    names = [f.attname for f in model._meta.concrete_fields if f.attname in own]
    instance = model.from_db(None, names, [own[name] for name in names])
    for name, values in related.items():
        field = model._meta.get_field(name)
        target = None
        if any(value is not None for value in values.values()):
            target = _instance(field.related_model, values)
        setattr(instance, name, target)
    for name, value in extra.items():
        setattr(instance, name, value)
    return instance


def _python(field, value):
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        # SQLite stores UTC without an offset; PostgreSQL's JSON carries one.
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    return field.to_python(value)
