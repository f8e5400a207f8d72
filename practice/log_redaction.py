"""Keeping the client's link tokens out of every log line.

A ``/q/<token>/`` path is the only credential a client has: whoever reads it in a log can open
and answer their questionnaire. Django logs the path of 4xx and 5xx requests (``django.request``,
``django.server``), gunicorn logs it when a request fails and in its access log, and an
exception's message or traceback may quote it. ``RedactLinkTokens`` rewrites each record before
it is written: the path segment after ``/q/`` becomes ``[redacted]``, and so does anything else
shaped like a token (a long run of URL-safe characters mixing upper and lower case, as
``secrets.token_urlsafe`` makes; API keys too).

It sits on the ``console`` handler, through which every record propagating to the root passes,
and on the loggers that carry request paths (``django.request``, ``django.server``), so the
record itself is rewritten before any handler sees it (a test's ``caplog``, an error tracker).
Gunicorn's own loggers do not propagate; ``practice.gunicorn_logger`` adds it to them. Celery's
worker and beat replace the root's handlers with their own; ``practice.celery`` filters those.
"""

import logging
import re

REDACTED = "[redacted]"

_LINK_PATH = re.compile(r"/q/(?!thanks(?:/|\b)|\[redacted\])[^/\s?#\"'<>]+")
"""``/q/`` followed by anything but the thank-you page: a live, dead or guessed token alike."""

_BARE_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])[A-Za-z0-9_-]{40,128}"
    r"(?![A-Za-z0-9_-])"
)
"""A token out of its path: 40 to 128 URL-safe characters with both cases (a 32-byte
``token_urlsafe`` is 43). Ids, UUIDs and hex digests have no capitals and stay readable."""


def redact(text: str) -> str:
    """``text`` with every link token replaced by ``[redacted]``."""
    if "/q/" in text:
        text = _LINK_PATH.sub("/q/" + REDACTED, text)
    return _BARE_TOKEN.sub(REDACTED, text)


class RedactLinkTokens(logging.Filter):
    """Rewrite a record's message, traceback and stack so no link token is left in them.

    Never drops a record. The message is formatted once here (``msg % args``) only when
    something had to be redacted; other records keep their arguments for handlers that use them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as logging does
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_handlers(logger: logging.Logger) -> None:
    """Put ``RedactLinkTokens`` on every handler of ``logger`` that lacks it."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactLinkTokens) for f in handler.filters):
            handler.addFilter(RedactLinkTokens())
