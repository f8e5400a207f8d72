"""Outbound e-mail through a real Celery worker process on a real Redis broker.

The worker runs ``practice.settings`` (production settings, DEBUG off) against the test
database pytest-django created, consumes a queue of its own on the Redis server of
``REDIS_URL`` (in the database next to the cache's, which the suite flushes between tests) and
writes mail with Django's file backend into a temporary folder, which the tests read back.
"""

import email
import os
import subprocess
import sys
import time
import uuid
from email import policy
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from practice.celery import app as celery_app
from practice.emails import queue_email
from practice.models import OutboundEmail
from practice.tasks import send_outbound_email
from tests.factories import PracticeFactory
from tests.integration.services import broker_url_beside, redis_url, skip_or_fail

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30  # generous for a slow CI machine; a healthy run takes a second or two


def worker_database_url() -> str:
    """A DATABASE_URL for the test database, which the worker process must share."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    skip_or_fail(
        "the worker process cannot see an in-memory SQLite test database: "
        "set DATABASE_URL=postgres://… to run the real-worker test"
    )
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    """A ``celery worker`` subprocess consuming a queue of its own, for this module's tests."""
    cache = redis_url()
    broker = broker_url_beside(cache)
    database = worker_database_url()
    queue = f"attune-test-{uuid.uuid4().hex[:12]}"
    outbox = tmp_path_factory.mktemp("worker-outbox")
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "DEBUG": "false",
        "SECRET_KEY": "integration-test-" + uuid.uuid4().hex * 2,
        "DATABASE_URL": database,
        "REDIS_URL": cache,
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": f"filemail:///{outbox}",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "practice", "worker"),
        *("--pool=solo", "--concurrency=1", "--loglevel=INFO", "-Q", queue, "-n", f"{queue}@%h"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield Worker(process, queue, outbox, log_path, broker)
    finally:
        process.terminate()  # warm shutdown: finishes the task in hand
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        client = redis.Redis.from_url(broker)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()


class Worker:
    def __init__(self, process, queue: str, outbox: Path, log_path: Path, broker: str):
        self.process = process
        self.queue = queue
        self.outbox = outbox
        self.log_path = log_path
        self.broker = broker

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def enqueue(self, email_id: int) -> None:
        """Publish one ``send_outbound_email`` message to this worker's queue on Redis."""
        with celery_app.connection_for_write(self.broker) as conn:
            send_outbound_email.apply_async((email_id,), queue=self.queue, connection=conn)

    def wait_until_sent(self, *emails: OutboundEmail) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the worker exited:\n{self.log()}"
            statuses = {e.pk: _status(e) for e in emails}
            if all(s == OutboundEmail.Status.SENT for s in statuses.values()):
                return
            time.sleep(0.1)
        raise AssertionError(f"not sent within {WAIT_SECONDS}s: {statuses}\n{self.log()}")

    def messages(self, subject: str) -> list[email.message.EmailMessage]:
        """The messages the worker wrote with this subject."""
        found = []
        for path in self.outbox.glob("*.log"):
            # The file backend appends each message followed by a line of 79 dashes; one file
            # may hold several (its name comes from the second and the connection's id()).
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    message = email.message_from_bytes(raw, policy=policy.default)
                    if message["Subject"] == subject:
                        found.append(message)
        return found


def _status(outbound: OutboundEmail) -> str:
    return OutboundEmail.objects.values_list("status", flat=True).get(pk=outbound.pk)


@pytest.fixture
def email_templates(tmp_path, settings):
    (tmp_path / "check_subject.txt").write_text("Integration check {{ n }}")
    (tmp_path / "check.txt").write_text("Hello {{ first_name }}, check {{ n }}.")
    (tmp_path / "check.html").write_text(
        '{% extends "emails/base_email.html" %}{% block content %}<p>Check {{ n }}</p>{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return "check"


@pytest.fixture
def queue_check_email(worker, email_templates, monkeypatch):
    """``queue_email`` whose on-commit enqueue goes to the worker's queue on Redis."""
    monkeypatch.setattr(send_outbound_email, "delay", worker.enqueue)
    practice = PracticeFactory(name="Integration Practice")

    def queue(n: int, to: str = "erin@client.example") -> OutboundEmail:
        return queue_email(
            practice=practice,
            to=to,
            template=email_templates,
            context={"first_name": "Erin", "n": n},
            kind="integration_check",
        )

    return queue


def test_a_real_worker_sends_a_queued_email(worker, queue_check_email):
    outbound = queue_check_email(1)  # autocommit: enqueued to Redis at once

    worker.wait_until_sent(outbound)
    outbound.refresh_from_db()
    assert outbound.attempts == 1
    assert outbound.sent_at is not None
    [message] = worker.messages("Integration check 1")
    assert message["To"] == "erin@client.example"
    assert message.get_body(("plain",)).get_content().strip() == "Hello Erin, check 1."
    assert "<p>Check 1</p>" in message.get_body(("html",)).get_content()


def test_an_email_enqueued_three_times_is_sent_once(worker, queue_check_email):
    twice = queue_check_email(2)
    worker.enqueue(twice.pk)  # a duplicate message, as a sweep racing the first one would send
    worker.wait_until_sent(twice)
    worker.enqueue(twice.pk)  # and the task running again after the e-mail went
    # The worker takes one message at a time in order: once this one is sent, the others ran.
    marker = queue_check_email(3, to="frank@client.example")
    worker.wait_until_sent(marker)

    twice.refresh_from_db()
    assert twice.attempts == 1
    assert len(worker.messages("Integration check 2")) == 1
    assert len(worker.messages("Integration check 3")) == 1
