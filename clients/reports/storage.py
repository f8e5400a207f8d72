"""Where report PDFs live: Django's default storage, under ``reports/<practice>/<report>/``.

A render writes to a temporary file first (inside the media root when the storage is a local
disk, so the final move is one rename), and only the finished file is stored, under a fresh
random name: a stored name never points at half a PDF. Other storages (an object store through
django-storages) upload the finished file whole. Files are served only by the audited download
views, never by a media URL.
"""

import contextlib
import datetime
import logging
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from clients.models import Report
from clients.reports import pdf

logger = logging.getLogger(__name__)

PARTIAL_DIR = "reports/.partial"
PARTIAL_MAX_AGE = timedelta(hours=6)
"""Temporary files older than this belonged to a render that was killed."""


def report_dir(report: Report) -> str:
    return f"reports/{report.practice_id}/{report.pk}"


def local_dir(name: str) -> Path | None:
    """The local directory behind storage name ``name``, if the storage is a local disk."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


def delete_files(report: Report, keep: str | None = None) -> None:
    """Delete every file stored for ``report`` except ``keep``."""
    delete_directory(report_dir(report), keep)


def delete_directory(directory: str, keep: str | None = None) -> None:
    """Delete every file stored in ``directory`` except ``keep``, and the directory itself when
    nothing is kept (export archives use it too)."""
    try:
        _dirs, files = default_storage.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        files = []
    for name in files:
        path = f"{directory}/{name}"
        if path != keep:
            default_storage.delete(path)
    if keep is None:
        local = local_dir(directory)
        if local is not None:
            with contextlib.suppress(OSError):
                local.rmdir()


class MovableFile(File):
    """A finished temporary file: a local storage moves it into place with one rename, so the
    stored name never points at a partial file. Other storages upload it whole."""

    def __init__(self, file, path: str):
        super().__init__(file, name=os.path.basename(path))
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def partial_dir() -> str | None:
    """Where renders write before the move: inside the media root for a local storage (same
    file system, so the move is a rename); the system's temporary directory otherwise."""
    local = local_dir(PARTIAL_DIR)
    if local is None:
        return None
    local.mkdir(parents=True, exist_ok=True)
    return str(local)


def render_to_storage(report: Report, html: str) -> tuple[str, int, int]:
    """Lay out ``html`` into a temporary file, then store it under a fresh name."""
    fd, temporary = tempfile.mkstemp(prefix=f"{report.pk}-", suffix=".pdf", dir=partial_dir())
    os.close(fd)
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
    """Remove temporary files a killed worker left behind (local storage only)."""
    local = local_dir(PARTIAL_DIR)
    if local is None or not local.is_dir():
        return
    cutoff = (now - PARTIAL_MAX_AGE).timestamp()
    for entry in os.scandir(local):
        with contextlib.suppress(OSError):
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                os.remove(entry.path)
