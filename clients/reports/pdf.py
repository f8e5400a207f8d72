"""HTML to PDF with WeasyPrint, hardened for documents built from client data.

- **Only our own static files.** ``StaticOnlyFetcher`` answers ``data:`` URIs and our static
  files (found as ``{% static %}`` names them); every other URL, ``file://`` and the network
  included, is refused before anything is opened.
- **Presentational hints off**: only our stylesheets decide how the document looks.
- **Time and memory bounded per render.** ``render_pdf`` lays the document out in a forked child
  process with an address-space limit (the parent's size plus ``memory_mb``) and a CPU-time limit,
  while the parent waits at most ``seconds`` and then kills it. A runaway render therefore ends
  with ``RenderTooSlow`` or ``RenderTooLarge`` and never takes the worker down with it; the
  Celery task's own soft and hard limits stay as the outer envelope. The child leaves what it
  inherited out of its garbage collector (``gc.freeze``), so a collection there walks only
  the render's own objects.

No Django model is touched here: the caller hands over the finished HTML and a file path.
"""

import contextlib
import faulthandler
import functools
import gc
import logging
import math
import mimetypes
import os
import posixpath
import resource
import select
import signal
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.translation import gettext_noop

from assessments.charts import FONT_FAMILY

# Relative URLs in report HTML (``/static/...``) resolve against this origin. The reserved
# ``.invalid`` top-level domain can never be reached; the fetcher reads such URLs from disk.
BASE_URL = "https://attune.invalid/"
PDF_MAGIC = b"%PDF-"


class RenderError(Exception):
    """The document could not be turned into a PDF. ``message`` is safe to show a clinician: in
    English, marked for translation, which the report's ``_fail`` does when it keeps it."""

    message = gettext_noop(
        "The PDF could not be laid out. Try again; if it fails again, tell your administrator."
    )

    def __init__(self, message: str | None = None, *, detail: str = ""):
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.detail = detail  # for the log: an exception class name, never document content


class RenderTooSlow(RenderError):
    message = gettext_noop(
        "The report took too long to lay out. Try a shorter period or fewer instruments, "
        "then try again."
    )


class RenderTooLarge(RenderError):
    message = gettext_noop(
        "The report needed more memory than a report may use. Try a shorter period or fewer "
        "instruments, then try again."
    )


class RefusedURL(ValueError):
    """The document asked for something other than our static files or a ``data:`` URI."""


@functools.cache
def _fetcher_class():
    """Built on first use: importing WeasyPrint takes a moment, and only workers need it."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves ``data:`` URIs and our static files, nothing else."""

        def __init__(self):
            super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            path = static_path_for(url)
            if path is None:
                self.refused.append(url[:200])
                raise RefusedURL(f"Reports may only load our static files, not {url[:80]!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return StaticOnlyFetcher


def static_only_fetcher():
    """A WeasyPrint URL fetcher that serves ``data:`` URIs and our static files, nothing else."""
    return _fetcher_class()()


def static_path_for(url: str) -> Path | None:
    """The file on disk behind ``url`` if it is one of our static files, else ``None``.

    Accepts only ``BASE_URL`` + ``STATIC_URL`` + a relative path without ``..``; looks in the
    collected static files first (production, with hashed names), then asks the finders (DEBUG
    and tests, where nothing is collected).
    """
    prefix = BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.lstrip("/")
    parts = urlsplit(url)
    if parts.query or parts.fragment or not url.startswith(prefix):
        return None
    name = unquote(url[len(prefix) :])
    normalised = posixpath.normpath(name)
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or normalised != name
        or normalised.startswith(("/", "../"))
        or normalised == ".."
    ):
        return None
    candidates = []
    if settings.STATIC_ROOT:
        with contextlib.suppress(NotImplementedError, ValueError):
            candidates.append(Path(staticfiles_storage.path(name)))
    found = finders.find(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


# WeasyPrint releases whose SVG ``text`` drawing ``svg_text_in_runs`` has been checked against.
SVG_TEXT_CHECKED_VERSIONS = frozenset({"70.0"})


class _Run(str):
    """A label WeasyPrint's SVG ``text`` walks as one piece: it iterates over ``node.text`` to
    lay out and draw each code point on its own; this string yields itself once."""

    def __iter__(self):
        yield str(self)


@functools.cache
def svg_text_in_runs() -> bool:
    """Make WeasyPrint shape and draw each SVG ``<text>`` as one run, not letter by letter.

    WeasyPrint lays out and draws every letter of SVG text separately (a Pango layout and a
    text object each): the report's two charts carry about 400 letters in 64 labels, which took
    about a sixth of the render. A label with no per-letter placement (``x``, ``y``, ``dx``,
    ``dy`` one value at most, no ``rotate``, ``letter-spacing`` or ``textLength``: all of our
    charts' labels) is now laid out once, as a browser does; it also keeps the font's kerning
    between its letters. Labels with per-letter placement go the original way. This is the
    workaround WeasyPrint's maintainers describe in Kozea/WeasyPrint#2249 (open; 70.0 still
    draws letter by letter), so it goes once a release does it. It applies only to the checked
    releases (returns ``False`` otherwise), in every render of this module: the pipeline's and
    the bench's bare floor alike.
    """
    import weasyprint
    import weasyprint.svg as weasy_svg
    from weasyprint.svg.utils import normalize

    if weasyprint.__version__ not in SVG_TEXT_CHECKED_VERSIONS:
        return False
    per_letter = weasy_svg.text

    def one_value(node, name: str) -> bool:
        return len(normalize(node.get(name, "")).split()) <= 1

    def text(svg, node, font_size):
        element = node._etree_node
        if (
            element.text
            and all(one_value(node, name) for name in ("x", "y", "dx", "dy"))
            and not any(node.get(name) for name in ("rotate", "letter-spacing", "textLength"))
        ):
            element.text = _Run(element.text)
            try:
                return per_letter(svg, node, font_size)
            finally:
                element.text = str(element.text)
        return per_letter(svg, node, font_size)

    text.__wrapped__ = per_letter
    # The drawing code tells text nodes by comparing with the module's ``text``: swap both.
    weasy_svg.text = text
    for tag, draw in list(weasy_svg.TAGS.items()):
        if draw is per_letter:
            weasy_svg.TAGS[tag] = text
    return True


def _write_pdf(html: str, target: Path, font_config=None) -> int:
    """Lay out ``html`` and write the PDF to ``target``; return the number of pages.
    ``font_config``: a WeasyPrint ``FontConfiguration`` to lay out with, or ``None`` for a new
    one (WeasyPrint's default)."""
    import weasyprint

    svg_text_in_runs()
    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=static_only_fetcher(), media_type="print"
    ).render(presentational_hints=False, pdf_forms=False, font_config=font_config)
    document.write_pdf(target)
    return len(document.pages)


# Every printable ASCII character, and what reports add to it (the separators and arrows of
# their sentences, typographic quotes, Spanish letters and marks).
WARM_UP_TEXT = "".join(chr(code) for code in range(32, 127)) + (
    " \u00b7\u2013\u2014\u2192\u2026\u2018\u2019\u201c\u201d\u00ab\u00bb\u00bf\u00a1áéíóúüñÁÉÍÓÚÜÑ"
)
# The label sizes of assessments.charts (tests/clients/test_reports_pdf.py keeps them in step).
CHART_FONT_SIZES = ("8", "10", "10.5", "11", "12.5", "15")


@functools.cache
def shared_fonts():
    """The font configuration every render child of this process lays out with.

    WeasyPrint otherwise starts each document with a new one: a new fontconfig configuration and
    Pango font map, which then finds each font, size and weight again and measures each letter
    again. ``warm_up`` lays a sample of every style of the report out with this one, and each
    child inherits it filled (about 8% of the typical report's render). The child's additions die
    with it, so this process's copy holds only the sample's fonts. Reports load no font of their
    own (no ``@font-face``: the fetcher serves only our static files and the stylesheet names
    installed fonts), so one configuration serves them all alike."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def warm_up_html() -> str:
    """The sample ``warm_up`` lays out: ``clients/reports/pdf/warm_up.html``."""
    from django.template.loader import render_to_string

    return render_to_string(
        "clients/reports/pdf/warm_up.html",
        {
            "text": WARM_UP_TEXT,
            "languages": settings.LANGUAGES,
            "chart_font_family": FONT_FAMILY,
            "chart_font_sizes": CHART_FONT_SIZES,
        },
    )


@functools.cache
def warm_up() -> None:
    """Import WeasyPrint and lay a sample of every style of the report out with
    ``shared_fonts()``, once per process. Render children are forked from it, so each starts
    with those fonts found and measured (a cold child spends a large part of its time starting
    fontconfig). The Celery worker calls this when each pool process starts."""
    _fetcher_class()
    with tempfile.TemporaryDirectory(prefix="attune-warm-up-") as folder:
        _write_pdf(warm_up_html(), Path(folder) / "warm-up.pdf", shared_fonts())


def _vm_size_bytes() -> int | None:
    """This process's address-space size, from /proc (Linux); ``None`` elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _limit_child(seconds: float, memory_mb: int) -> None:
    """Bound the render child: CPU seconds, and address space beyond what it inherited."""
    faulthandler.disable()  # a crash here is reported by the parent, not dumped to the log
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGALRM):
        signal.signal(number, signal.SIG_DFL)
    cpu = math.ceil(seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    current = _vm_size_bytes()
    if current is not None:
        limit = current + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(html: str, target: Path, seconds: float, memory_mb: int, pipe: int) -> None:
    code = 1
    try:
        # The objects inherited from the worker (Django, WeasyPrint, fonts) are never freed
        # here: leave them out of the cyclic collector. Otherwise a full collection in the
        # child (6 renders of 14 in a paired run of the typical report) walks every one of
        # them, some 130-180 ms of CPU on a render of about 270. The render's own objects are
        # collected as before, so its memory stays bounded as it was.
        gc.freeze()
        _limit_child(seconds, memory_mb)
        # attune.css carries screen rules WeasyPrint skips with a warning; progress is INFO.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        pages = _write_pdf(html, target, shared_fonts())
        os.write(pipe, f"ok {pages}".encode())
        code = 0
        # The file is complete: let the parent go on while this process's memory is released.
        os.close(pipe)
    except BaseException as exc:  # reported to the parent by class name only
        message = "memory" if _caused_by_memory(exc) else f"error {type(exc).__name__}"
        os.write(pipe, message[:200].encode())
    finally:
        os._exit(code)


def _caused_by_memory(exc: BaseException | None) -> bool:
    """A ``MemoryError``, or an error raised while handling one (C extensions turn failed
    allocations into ``SystemError`` and the like)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, MemoryError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


# Render children that reported a finished file and were still exiting when the parent went
# on; ``render_pdf`` reaps them (without waiting) when it next starts one.
_exiting: list[int] = []


def _reap_exited() -> None:
    for pid in list(_exiting):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # already reaped
            done = pid
        if done:
            _exiting.remove(pid)


def _wait(pid: int, pipe: int, seconds: float) -> tuple[bytes, int]:
    """The child's message and exit status; kills it once ``seconds`` have passed.

    A child that reports a finished file is not waited for: tearing down its memory takes
    6-12 ms of the typical report, which it spends while the caller stores the file. Its
    status is then taken as a clean exit, and ``_exiting`` keeps it until it is reaped."""
    deadline = time.monotonic() + seconds
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RenderTooSlow()
        ready, _, _ = select.select([pipe], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(pipe, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    message = b"".join(chunks)
    if message.startswith(b"ok "):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # pragma: no cover - reaped by someone else
            done, status = pid, 0
        if not done:
            _exiting.append(pid)
        return message, status
    _, status = os.waitpid(pid, 0)
    return message, status


def render_pdf(html: str, target: Path, *, seconds: float, memory_mb: int) -> int:
    """Write ``html`` as a PDF to ``target`` within the bounds; return its page count.

    Raises ``RenderTooSlow``, ``RenderTooLarge`` or ``RenderError``; ``target`` may then hold
    a partial file, which the caller removes.
    """
    if not hasattr(os, "fork"):  # pragma: no cover - Attune's workers run on Linux
        return _write_pdf(html, target)
    warm_up()  # once per process: every forked child inherits the fonts it loaded
    _reap_exited()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        os.close(read_end)
        _child(html, target, seconds, memory_mb, write_end)
    os.close(write_end)
    try:
        message, status = _wait(pid, read_end, seconds)
    except BaseException:
        # Our deadline, or the task's soft time limit raised while waiting: stop the child.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        raise
    finally:
        os.close(read_end)
    return _outcome(message.decode(errors="replace"), status, target)


def _outcome(message: str, status: int, target: Path) -> int:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number in (signal.SIGXCPU, signal.SIGKILL):
            raise RenderTooSlow()
        # A crash in the C libraries (often a failed allocation): reported, never fatal to us.
        raise RenderError(detail=f"renderer stopped by signal {number}")
    if message == "memory":
        raise RenderTooLarge()
    if not message.startswith("ok "):
        raise RenderError(detail=message.removeprefix("error ") or f"exit status {status}")
    with target.open("rb") as written:
        if written.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise RenderError(detail="not a PDF")
    return int(message.split()[1])
