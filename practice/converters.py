"""URL converters.

Django's ``<int:...>`` matches any run of digits, so ``/practice/team/99999999999999999999/role/``
reached the database with a number no integer column holds: SQLite raised ``OverflowError``
(a 500) where a foreign key was compared, PostgreSQL an out-of-range error. ``<id:...>`` matches
only the ids a database can store, so anything larger is simply no route: 404, on every database,
before a view runs. Registered in ``practice/urls.py``, before the apps' URLconfs load.
"""

LARGEST_ID = 2**63 - 1  # a signed 64-bit integer: BigAutoField on SQLite and PostgreSQL


class DatabaseIdConverter:
    """A positive whole number that fits a 64-bit database integer."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        # A ValueError here means "this route does not match"; int() itself raises one for a
        # string longer than Python's digit limit.
        number = int(value)
        if not 0 < number <= LARGEST_ID:
            raise ValueError(f"{value!r} is not a database id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)
