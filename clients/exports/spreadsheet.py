"""CSV for spreadsheets: every text cell that a spreadsheet would read as a formula is neutralised,
and large exports stream row by row instead of being built in memory.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before looking) gets a leading apostrophe, as OWASP's "CSV injection" advice
says: a client reference such as ``=HYPERLINK(...)`` then shows as text instead of running.
Numbers we computed ourselves (a negative change, say) stay numbers: only text is neutralised.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils.cache import add_never_cache_headers

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """``value`` as a CSV cell: ``None`` empty, booleans as yes/no, numbers as they are, text
    neutralised when a spreadsheet would take it for a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file whose ``write`` hands back what it was given: ``csv.writer`` then yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header line, then one line per row, each cell through ``safe_cell``."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def csv_text(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    """The whole CSV as one string (for archives, which write a member at once)."""
    out = io.StringIO()
    for line in csv_lines(header, rows):
        out.write(line)
    return out.getvalue()


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]):
    """A streamed CSV download named ``filename`` (never a person's name), never cached."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response
