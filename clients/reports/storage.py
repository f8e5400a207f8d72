"""Where report PDFs live: Django's default storage, under ``reports/<practice>/<report>/``.

Only ``default_storage`` is ever used (save, open, listdir, delete; never a local path), so the
files may live on this machine's disk or in an object store shared by several machines
(``STORAGE_BACKEND``). A render writes to a temporary file on this machine first, and only the
finished file is stored, under a fresh random name: a stored name never points at half a PDF
(the report's row names it only after the save returns). Files are served only by the audited
download views, never by a media URL.
"""

import contextlib
import datetime
import logging
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from clients.models import Report
from clients.reports import pdf

logger = logging.getLogger(__name__)

STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
"""What the storage raises when it is unreachable or refuses: a local disk's OSError, an object
store's botocore errors (connection, throttling, a missing bucket). Callers treat them as
temporary trouble."""

PARTIAL_PREFIX = "attune-partial-"
"""Temporary files of renders and export builds start with this, in the system's temporary
directory (``TMPDIR``)."""
PARTIAL_MAX_AGE = timedelta(hours=6)
"""Temporary files older than this belonged to a render that was killed."""


def report_dir(report: Report) -> str:
    return f"reports/{report.practice_id}/{report.pk}"


def delete_files(report: Report, keep: str | None = None) -> None:
    """Delete every file stored for ``report`` except ``keep``."""
    delete_directory(report_dir(report), keep)


def delete_directory(directory: str, keep: str | None = None) -> None:
    """Delete every file stored in ``directory`` except ``keep`` (export archives use it too).
    The local storage removes a folder left empty; an object store has none."""
    try:
        _dirs, files = default_storage.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        files = []
    for name in files:
        path = f"{directory}/{name}"
        if path != keep:
            default_storage.delete(path)


class MovableFile(File):
    """A finished temporary file: a local storage moves it into place with one rename, so the
    stored name never points at a partial file. Other storages upload it whole."""

    def __init__(self, file, path: str):
        super().__init__(file, name=os.path.basename(path))
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def partial_file(key: int, suffix: str) -> str:
    """A new temporary file on this machine for a render or build of row ``key``."""
    fd, path = tempfile.mkstemp(prefix=f"{PARTIAL_PREFIX}{key}-", suffix=suffix)
    os.close(fd)
    return path


def render_to_storage(report: Report, html: str) -> tuple[str, int, int]:
    """Lay out ``html`` into a temporary file, then store it under a fresh name."""
    temporary = partial_file(report.pk, ".pdf")
    try:
        pages = pdf.render_pdf(
            html,
            Path(temporary),
            seconds=settings.REPORT_RENDER_SECONDS,
            memory_mb=settings.REPORT_RENDER_MEMORY_MB,
        )
        size = os.path.getsize(temporary)
        name = f"{report_dir(report)}/{secrets.token_hex(8)}.pdf"
        with open(temporary, "rb") as rendered:
            stored = default_storage.save(name, MovableFile(rendered, temporary))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
    return stored, size, pages


def open_file(report: Report):
    """The stored PDF of a ready report, opened for reading; ``None`` if it is gone."""
    if not report.is_ready or not report.file_name:
        return None
    try:
        return default_storage.open(report.file_name, "rb")
    except FileNotFoundError:
        logger.error("report %s is ready but its file is missing", report.pk)
        return None


def clear_partials(now: datetime.datetime) -> None:
    """Remove temporary files a killed worker on this machine left behind."""
    cutoff = (now - PARTIAL_MAX_AGE).timestamp()
    for entry in os.scandir(tempfile.gettempdir()):
        with contextlib.suppress(OSError):
            if (
                entry.name.startswith(PARTIAL_PREFIX)
                and entry.is_file()
                and entry.stat().st_mtime < cutoff
            ):
                os.remove(entry.path)
