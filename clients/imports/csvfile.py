"""Reading an uploaded CSV: the limits, the encoding, the delimiter and the header.

Spreadsheets save CSV in more than one way: UTF-8 with or without a byte-order mark, and with
``;`` instead of ``,`` where the comma is the decimal separator. Both are read. Anything else
(another encoding, a binary file, a ragged row, unknown or missing columns) is refused with one
message saying what to change, which the pages show and the API returns as a 400.

Rows are numbered as a spreadsheet numbers them: the header is row 1, the first client row 2.
"""

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
DELIMITERS = (",", ";")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; ``message`` says why, safe to show."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Table:
    """The file's columns (normalised names) and its rows as ``(row number, {column: text})``,
    blank rows left out."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


def normalise_column(name: str) -> str:
    """``" Date of birth "`` -> ``"date_of_birth"``: headers as people type them."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def read_upload(uploaded_file) -> bytes:
    """The bytes of an uploaded file, refused past ``MAX_FILE_BYTES`` without reading it all."""
    if uploaded_file is None:
        raise ImportFileError(gettext("Choose a CSV file to upload."))
    if uploaded_file.size is not None and uploaded_file.size > MAX_FILE_BYTES:
        raise ImportFileError(_too_big())
    uploaded_file.seek(0)
    data = uploaded_file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_too_big())
    return data


def _too_big() -> str:
    return gettext(
        "The file is larger than %(megabytes)s MB. Split it into smaller files and import them "
        "one after another."
    ) % {"megabytes": MAX_FILE_BYTES // (1024 * 1024)}


def decode(data: bytes) -> str:
    if b"\x00" in data:
        raise ImportFileError(
            gettext("This is not a CSV text file. Save the sheet as CSV and try again.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            gettext(
                "The file is not UTF-8 text. In your spreadsheet choose 'CSV UTF-8' when saving, "
                "then upload it again."
            )
        ) from None


def _delimiter(text: str) -> str:
    """``;`` when the header line has more semicolons than commas, else ``,``."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def parse(
    data: bytes, *, columns: list[str], required: list[str], max_rows: int = MAX_ROWS
) -> Table:
    """Read ``data`` as a CSV whose header names some of ``columns`` (all of ``required``)."""
    text = decode(data)
    if not text.strip():
        raise ImportFileError(
            gettext("The file is empty. Start from the template, which has the header.")
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        header = [normalise_column(name) for name in next(reader)]
        known = set(columns)
        unknown = [name or "(blank)" for name in header if name not in known]
        if unknown:
            raise ImportFileError(
                ngettext(
                    "Unknown column: %(unknown)s. The columns are: %(columns)s.",
                    "Unknown columns: %(unknown)s. The columns are: %(columns)s.",
                    len(unknown),
                )
                % {"unknown": ", ".join(unknown), "columns": ", ".join(columns)}
            )
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise ImportFileError(
                gettext("Column given twice: %(columns)s.") % {"columns": ", ".join(repeated)}
            )
        missing = [name for name in required if name not in header]
        if missing:
            raise ImportFileError(
                gettext("Required column missing: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        rows = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise ImportFileError(
                    gettext(
                        "Row %(row)s has %(cells)s cells but the header has %(header)s. "
                        "Check for a separator inside a value that is not in quotes."
                    )
                    % {"row": number, "cells": len(cells), "header": len(header)}
                )
            if len(rows) == max_rows:
                raise ImportFileError(
                    gettext(
                        "The file has more than %(rows)s rows. Split it into files of at most "
                        "%(rows)s rows and import them one after another."
                    )
                    % {"rows": f"{max_rows:,}"}
                )
            rows.append(
                (number, {name: cell.strip() for name, cell in zip(header, cells, strict=False)})
            )
    except csv.Error as exc:
        raise ImportFileError(
            gettext("The file could not be read as CSV near line %(line)s: %(error)s.")
            % {"line": reader.line_num, "error": exc}
        ) from None
    if not rows:
        raise ImportFileError(gettext("The file has a header but no rows to import."))
    return Table(columns=header, rows=rows)


def template(columns: list[str], example: list[str] | None = None) -> str:
    """A CSV with the header (and an example row): the downloadable template."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    if example:
        writer.writerow(example)
    return out.getvalue()
