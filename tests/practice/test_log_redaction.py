"""No live questionnaire link in any log line (issue 11, defect 8).

Requests under ``/q/<token>/`` that Django logs (4xx warnings when an operator lowers
``django.request``'s level, 5xx errors with their traceback, ``runserver``'s request lines) and
gunicorn's error and access logs carry the path; the token in it is what opens a client's
questionnaire. Each is checked as written: through the records (``caplog``), through the
console handler the settings configure, and through gunicorn's logger class.
"""

import datetime
import io
import logging
import sys

import pytest
import time_machine
from celery.signals import after_setup_logger
from django.test import Client as Browser
from django.urls import reverse
from gunicorn.config import Config

from assessments.views import client_form
from practice.gunicorn_logger import RedactingLogger
from practice.log_redaction import RedactLinkTokens, redact
from tests.assessments.assign_helpers import at, send_now, token_of

SENT = at(2025, 3, 3, 10)
TOKEN = "Zq3xT9vLmK2pR7sW4yB8nC1dF6gH0jA5eU_-oIwQrSt"  # shaped like token_urlsafe(32)


@pytest.fixture
def live(erin, bob):
    _, packet = send_now(erin, "phq-9", actor=bob, now=SENT)
    return token_of(packet)


@pytest.fixture
def console():
    """What the configured console handler (the root's, with its filter) writes."""
    [handler] = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactLinkTokens) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def request_warnings():
    """``django.request`` at WARNING (production keeps ERROR), so 4xx lines are written too."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Not Found: /q/{TOKEN}/", "Not Found: /q/[redacted]/"),
        (f'"GET /q/{TOKEN}/2/ HTTP/1.1" 404 179', '"GET /q/[redacted]/2/ HTTP/1.1" 404 179'),
        (f"https://attune.example/q/{TOKEN}/?x=1", "https://attune.example/q/[redacted]/?x=1"),
        ("Not Found: /q/short-guess/", "Not Found: /q/[redacted]/"),
        (f"token {TOKEN} in a message", "token [redacted] in a message"),
        ("/q/thanks/ stays", "/q/thanks/ stays"),
        # Ids, UUIDs, digests and dotted names stay readable.
        (
            "report 4f9c2a1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b",
            "report 4f9c2a1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b",
        ),
        ("a" * 64, "a" * 64),
        ("practice.tasks.send_outbound_email[42]", "practice.tasks.send_outbound_email[42]"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_the_filter_rewrites_arguments_tracebacks_and_keeps_other_records():
    try:
        raise ValueError(f"bad link /q/{TOKEN}/")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Failed: %s", (TOKEN,), exc_info)
    assert RedactLinkTokens().filter(record) is True
    assert record.getMessage() == "Failed: [redacted]"
    assert TOKEN not in record.exc_text and "/q/[redacted]/" in record.exc_text
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "report %s", (7,), None)
    RedactLinkTokens().filter(plain)
    assert (plain.msg, plain.args) == ("report %s", (7,))


@pytest.mark.django_db
def test_a_404_under_a_link_logs_no_token(live, caplog, console, request_warnings):
    guess = TOKEN
    with time_machine.travel(SENT, tick=False):
        assert Browser().get(reverse("questionnaire:landing", args=[guess])).status_code == 404
        assert Browser().get(f"/q/{live}/99/nonsense/").status_code == 404  # no such route
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert "Not Found: /q/[redacted]/" in messages
    assert "Not Found: /q/[redacted]/99/nonsense/" in messages
    for token in (guess, live):
        assert token not in caplog.text
        assert token not in console.getvalue()
    assert "Not Found: /q/[redacted]/" in console.getvalue()


@pytest.mark.django_db
def test_a_500_under_a_link_logs_no_token(live, caplog, console, monkeypatch):
    def broken(token, now=None):
        raise RuntimeError(f"lookup failed for /q/{token}/ ({token})")

    monkeypatch.setattr(client_form.packet_service, "find_packet", broken)
    browser = Browser(raise_request_exception=False)
    with time_machine.travel(SENT, tick=False):
        assert browser.get(reverse("questionnaire:landing", args=[live])).status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Internal Server Error: /q/[redacted]/"
    written = console.getvalue()
    assert "Internal Server Error: /q/[redacted]/" in written
    assert "RuntimeError: lookup failed for /q/[redacted]/" in written  # the traceback is kept
    assert live not in caplog.text and live not in written


def test_runserver_request_lines_log_no_token(caplog, console):
    logging.getLogger("django.server").warning('"%s" %s %s', f"GET /q/{TOKEN}/ HTTP/1.1", 404, 9)
    assert '"GET /q/[redacted]/ HTTP/1.1" 404 9' in caplog.text
    assert '"GET /q/[redacted]/ HTTP/1.1" 404 9' in console.getvalue()
    assert TOKEN not in caplog.text + console.getvalue()


def test_gunicorn_error_and_access_logs_carry_no_token(tmp_path):
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    config = Config()
    config.set("accesslog", str(access))
    config.set("errorlog", str(errors))
    config.set("logger_class", "practice.gunicorn_logger.RedactingLogger")
    logger = config.logger_class(config)
    assert isinstance(logger, RedactingLogger)

    logger.exception("Error handling request %s", f"/q/{TOKEN}/2/")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/q/{TOKEN}/",
        "PATH_INFO": f"/q/{TOKEN}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
    }

    class Answer:
        status, sent, headers = "404 Not Found", 9, []

    logger.access(Answer(), [], environ, datetime.timedelta(seconds=0.01))
    for handler in logger.error_log.handlers + logger.access_log.handlers:
        handler.flush()
    written = access.read_text() + errors.read_text()
    assert "Error handling request /q/[redacted]/2/" in written
    assert '"GET /q/[redacted]/ HTTP/1.1" 404' in written
    assert TOKEN not in written


def test_celery_worker_and_beat_handlers_redact_too():
    """Celery replaces the root's handlers when a worker or beat starts; its signal gives ours
    the filter back (sent here as Celery sends it, on a logger of the test's own)."""
    logger = logging.getLogger("tests.celery-root-stand-in")
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    logger.propagate = False
    after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None)
    after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None)
    logger.warning("task failed for %s", f"https://attune.example/q/{TOKEN}/")
    assert stream.getvalue() == "task failed for https://attune.example/q/[redacted]/\n"
    [handler] = logger.handlers
    assert len(handler.filters) == 1  # added once, however often Celery sets up
