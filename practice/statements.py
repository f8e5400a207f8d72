"""A page's own query run as a PostgreSQL prepared statement, so the database plans it once per
connection instead of on every request.

The client page reads everything it shows in one query of a dozen JSON subqueries; PostgreSQL
took longer to plan it (about 2 ms) than to run it (under 1 ms), on every request (issue 17).
Inside ``prepared()``, a query is sent as ``EXECUTE`` of a statement prepared on the connection
the first time its SQL is seen there (the SQL is the ORM's, its values still parameters: the
same text on every request). After a few executions PostgreSQL keeps a generic plan when it
costs no more than the ones made for each request's values, and stops planning.

Django counts and logs the query once, as the ``EXECUTE`` that ran it with its values (the
``PREPARE`` goes to the driver's cursor directly), so query counts read as before. Prepared
statements last as long as the connection (a rollback keeps them); a new connection prepares
again. Other databases (SQLite) run the query as it is. A pooler in transaction mode
(PgBouncer) would not keep them: Attune connects to PostgreSQL directly.
"""

import datetime
import decimal
import hashlib
import logging
import re
import uuid
import weakref
from contextlib import contextmanager

from django.db import connection

# The type each parameter is declared with: PostgreSQL cannot guess a parameter's type in some
# places (a key of JSONB_BUILD_OBJECT), and these are the types Django sends such values as.
# bool before int (a bool is an int), datetime before date (a datetime is a date).
_TYPES = (
    (bool, "boolean"),
    (int, "bigint"),
    (str, "text"),
    (uuid.UUID, "uuid"),
    (datetime.datetime, "timestamptz"),
    (datetime.date, "date"),
    (float, "double precision"),
    (decimal.Decimal, "numeric"),
)
logger = logging.getLogger(__name__)
_PLACEHOLDER = re.compile(r"%[s%]")

_ACTIVE = "_attune_preparing"  # set on the (per-thread) connection inside prepared()

# The names prepared on each driver connection (a new connection starts with none).
_prepared: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@contextmanager
def prepared():
    """Queries of the default database inside run as prepared statements (PostgreSQL)."""
    if connection.vendor != "postgresql" or getattr(connection, _ACTIVE, False):
        yield  # SQLite; or already inside (the outer wrapper prepares each query once)
        return
    setattr(connection, _ACTIVE, True)
    try:
        with connection.execute_wrapper(_execute_prepared):
            yield
    finally:
        setattr(connection, _ACTIVE, False)


def _execute_prepared(execute, sql, params, many, context):
    types = _types(params)
    if many or types is None:
        return execute(sql, params, many, context)
    name = "attune_" + hashlib.sha256(f"{sql}\0{types}".encode()).hexdigest()[:32]
    names = _prepared.setdefault(context["connection"].connection, set())
    if name not in names:
        declared = f"({', '.join(types)})" if types else ""
        # The ORM's own SQL with numbered parameters, the name its hash.
        if not _prepare(context, f"PREPARE {name}{declared} AS {_numbered(sql)}"):
            return execute(sql, params, many, context)
        names.add(name)
    arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
    return execute(f"EXECUTE {name}{arguments}", params, many, context)


def _prepare(context, statement: str) -> bool:
    """Run ``statement`` (a PREPARE) on the driver's cursor; False, the transaction kept, when
    the database refuses it (the query then runs as it is)."""
    cursor = context["cursor"].cursor
    in_transaction = not context["connection"].get_autocommit()
    if in_transaction:
        cursor.execute("SAVEPOINT attune_prepare")
    try:
        cursor.execute(statement)
    except context["connection"].Database.Error:
        if not in_transaction:
            raise
        cursor.execute("ROLLBACK TO SAVEPOINT attune_prepare")
        logger.warning("A query could not be prepared; it runs unprepared.", exc_info=True)
        return False
    finally:
        if in_transaction:
            cursor.execute("RELEASE SAVEPOINT attune_prepare")
    return True


def _types(params) -> tuple | None:
    """The declared types of ``params``, or None when one has no type here (``None``...)."""
    types = []
    for param in params or ():
        kind = next((name for cls, name in _TYPES if isinstance(param, cls)), None)
        if isinstance(param, list) and all(isinstance(item, str) for item in param):
            kind = "text[]"  # a path into a JSON column (``result__style__rule``)
        if kind is None:
            return None
        types.append(kind)
    return tuple(types)


def _numbered(sql: str) -> str:
    """``sql`` with its ``%s`` placeholders as ``$1``, ``$2``... and ``%%`` as ``%``."""
    numbers = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda m: f"${next(numbers)}" if m.group() == "%s" else "%", sql)
