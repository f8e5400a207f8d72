"""Reports through a real Celery worker (prefork, as in production) on a real Redis broker.

The worker runs ``practice.settings`` with DEBUG off against the test database, consumes a queue
of its own on the Redis of ``REDIS_URL`` (the database next to the cache's) and stores PDFs in a
temporary media root, which the tests read back. Beyond "a requested report gets rendered", it
shows the reliability promises end to end: a message delivered three times renders once, and a
worker process killed mid-render only delays the report, which the sweeper then recovers.
"""

import datetime
import io
import os
import signal
import subprocess
import sys
import time
import uuid

import pypdf
import pytest
import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from clients.models import Report
from clients.reports import services
from clients.tasks import render_report
from practice.celery import app as celery_app
from tests.factories import ClientFactory, MembershipFactory, PracticeFactory, UserFactory
from tests.integration.services import broker_url_beside, redis_url
from tests.integration.test_celery_worker import worker_database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60  # generous for a slow CI machine; a healthy render takes well under a second


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("report-media")


@pytest.fixture(scope="module")
def worker(django_db_setup, media_root, tmp_path_factory):
    """A prefork ``celery worker`` with one process, consuming a queue of its own."""
    cache = redis_url()
    broker = broker_url_beside(cache)
    queue = f"attune-reports-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path_factory.mktemp("report-worker-log") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "DEBUG": "false",
        "SECRET_KEY": "integration-test-" + uuid.uuid4().hex * 2,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": cache,
        "CELERY_BROKER_URL": broker,
        "MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "practice", "worker"),
        *("--pool=prefork", "--concurrency=1", "--loglevel=INFO", "-Q", queue),
        *("-n", f"{queue}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle"),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield ReportWorker(process, queue, log_path, broker)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        client = redis.Redis.from_url(broker)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()


class ReportWorker:
    def __init__(self, process, queue, log_path, broker):
        self.process, self.queue, self.log_path, self.broker = process, queue, log_path, broker

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def enqueue(self, report_id) -> None:
        with celery_app.connection_for_write(self.broker) as conn:
            render_report.apply_async((str(report_id),), queue=self.queue, connection=conn)

    def pool_process(self) -> int | None:
        """The prefork pool's child (the process that runs tasks), if it is up."""
        path = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        try:
            with open(path) as children:
                pids = [int(pid) for pid in children.read().split()]
        except OSError:
            return None
        return pids[0] if pids else None

    def wait_for(self, report: Report, *statuses, seconds=WAIT_SECONDS) -> Report:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the worker exited:\n{self.log()}"
            report.refresh_from_db()
            if report.status in statuses:
                return report
            time.sleep(0.02)
        raise AssertionError(f"report still {report.status} after {seconds}s\n{self.log()}")


@pytest.fixture
def people(settings, media_root, worker, monkeypatch):
    """A practice with a clinician and her client; enqueues go to the worker's queue."""
    settings.MEDIA_ROOT = media_root
    monkeypatch.setattr(render_report, "delay", worker.enqueue)
    practice = PracticeFactory(name="Integration Practice")
    clinician = UserFactory(full_name="Ivy Clinician")
    MembershipFactory(user=clinician, practice=practice)
    client = ClientFactory(
        practice=practice, primary_clinician=clinician, full_name="Ira Integration"
    )
    return clinician, client


def request(clinician, client) -> Report:
    today = timezone.localdate()
    options = services.ReportOptions(
        period_start=today - datetime.timedelta(days=365), period_end=today
    )
    return services.request_report(clinician, client, options)  # autocommit: enqueued at once


def pdf_text(report: Report) -> str:
    with default_storage.open(report.file_name, "rb") as stored:
        reader = pypdf.PdfReader(io.BytesIO(stored.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def files_of(report: Report) -> list[str]:
    return default_storage.listdir(f"reports/{report.practice_id}/{report.pk}")[1]


def test_a_requested_report_is_rendered_by_the_worker(worker, people):
    report = worker.wait_for(request(*people), Report.Status.READY, Report.Status.FAILED)
    assert report.status == Report.Status.READY, report.error_message
    assert report.attempts == 1 and report.page_count >= 1
    text = pdf_text(report)
    assert "Ira Integration" in text and "Integration Practice" in text
    assert "Page 1 of" in text


def test_a_message_delivered_three_times_renders_once(worker, people):
    report = request(*people)
    worker.enqueue(report.pk)
    worker.enqueue(report.pk)
    report = worker.wait_for(report, Report.Status.READY)
    marker = worker.wait_for(request(*people), Report.Status.READY)  # the queue has drained
    report.refresh_from_db()
    assert marker.status == Report.Status.READY
    assert report.attempts == 1
    assert files_of(report) == [report.file_name.rsplit("/", 1)[1]]


def test_a_worker_killed_mid_render_only_delays_the_report(worker, people):
    """Kill the pool process while it renders (as the OOM killer would). The message goes back
    to the broker, its redelivery finds the report claimed, and once the claim's lease has run
    out the sweeper puts it back in the queue: the report is late, never lost."""
    for _attempt in range(5):
        report = request(*people)
        report = worker.wait_for(report, Report.Status.RENDERING, Report.Status.READY)
        child = worker.pool_process()
        if report.status == Report.Status.RENDERING and child:
            os.kill(child, signal.SIGKILL)
            break
    else:
        pytest.fail("every render finished before it could be interrupted")

    time.sleep(1)  # the pool replaces its process; the redelivered message finds the claim
    report.refresh_from_db()
    assert report.status == Report.Status.RENDERING
    assert report.attempts == 1

    later = report.lease_expires_at + datetime.timedelta(seconds=1)
    assert services.sweep(now=later) == [report.pk]
    report = worker.wait_for(report, Report.Status.READY)
    assert report.attempts == 2
    assert "Ira Integration" in pdf_text(report)
    assert files_of(report) == [report.file_name.rsplit("/", 1)[1]]
