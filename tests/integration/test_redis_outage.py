"""A Redis outage loses nothing and fails no request (issue 11, defect 5), against a real Redis.

The test starts a ``redis-server`` of its own on a free port (no persistence), points the cache
(django-redis, as in production) and the Celery broker at it, and stops it. With Redis down:

- the client opens their link, answers every page and submits over real HTTP (the live server,
  real commits, so on-commit publishing runs as in production): no 500, the response is saved
  and scored, a bad guess is still a plain 404;
- a clinician's report request and "send now" answer with their usual redirects, and the rows
  are saved; signing in by password answers 429 (allauth's rate limit cannot take its lock:
  failing closed, see practice/settings.py), never a 500.

Then Redis comes back, empty, and the beat's sweeper tasks run: every e-mail, report and
dashboard rebuild that could not be published (or whose message Redis lost) reaches the broker's
queues, where the test reads them back.
"""

import contextlib
import datetime
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import redis
import time_machine
from django.test import Client as DjangoClient
from django.urls import reverse
from django.utils import timezone

from assessments.models import Packet, Response
from clients.models import Report
from clients.tasks import sweep_reports
from practice import tasks as practice_tasks
from practice.celery import app as celery_app
from practice.models import OutboundEmail
from practice.tasks import sweep_outbound_email, sweep_progress_rebuilds
from tests.assessments.assign_helpers import cleared, send_now, token_of
from tests.factories import PASSWORD
from tests.integration.services import skip_or_fail

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

START_SECONDS = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A ``redis-server`` child process on one port, stopped and started at will."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        skip_or_fail("needs redis-server on the PATH")
    server = RedisServer(_free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _point_broker_at(url: str | None, options: dict) -> None:
    """Point the Celery app's publishing at ``url`` (None: back to the test settings' broker).
    The app keeps its connection and producer pools once made, so both are dropped here."""
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def on_our_redis(redis_server, settings):
    """The cache and the broker on the test's own Redis, set as production sets them."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_server.url(0),
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    previous = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    _point_broker_at(redis_server.url(1), {"visibility_timeout": 3600, "socket_connect_timeout": 2})
    try:
        yield redis_server
    finally:
        _point_broker_at(*previous)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Site:
    """Real HTTP requests to the live server, recording every status it answers."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(NoRedirects)
        self.statuses: list[tuple[str, int]] = []

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=30) as answer:
                status, text, location = answer.status, answer.read().decode(), ""
        except urllib.error.HTTPError as answer:
            status, text = answer.code, answer.read().decode()
            location = answer.headers.get("Location", "")
        self.statuses.append((f"{method} {path}", status))
        return status, text, location


def _queued_tasks(server: RedisServer) -> list[tuple[str, str]]:
    """(task name, argsrepr) of every message waiting in the broker's queues."""
    client = redis.Redis(port=server.port, db=1)
    found = []
    for queue in ("celery", "reports"):
        for raw in client.lrange(queue, 0, -1):
            headers = json.loads(raw)["headers"]
            found.append((headers["task"], headers["argsrepr"]))
    client.close()
    return found


def test_a_redis_outage_fails_no_request_and_loses_no_work(
    on_our_redis, live_server, erin, bob, monkeypatch
):
    began = time.monotonic()
    phq9, gad7 = cleared(erin.practice, "phq-9", "gad-7")
    _, packet = send_now(erin, "phq-9", actor=bob)  # while Redis is up
    token = token_of(packet)
    invitation = OutboundEmail.objects.get()
    assert ("practice.tasks.send_outbound_email", f"({invitation.pk},)") in _queued_tasks(
        on_our_redis
    )

    on_our_redis.stop()  # --- Redis is down from here -----------------------------------------
    site = Site(live_server.url)
    status, page, _ = site.request("GET", f"/q/{token}/")
    assert status == 200 and "has asked you to answer 1 questionnaire" in page
    status, _, location = site.request("POST", f"/q/{token}/")
    assert status == 302
    while True:
        status, page, _ = site.request("GET", location)
        assert status == 200
        names = sorted(set(re.findall(r'name="(item-\d+)"', page)))
        answers = {name: "2" if name == "item-9" else "1" for name in names}
        last = 'value="submit"' in page
        status, page, location = site.request(
            "POST", location, {**answers, "action": "submit" if last else "next"}
        )
        if last:
            break
        assert status == 302, site.statuses[-1]
    # Item 9 above 0: the submission redirects to the crisis page, a GET.
    assert status == 302 and "/support/?mark=" in location, site.statuses[-1]
    status, page, _ = site.request("GET", location)
    assert status == 200 and "Call your local emergency number now" in page, site.statuses[-1]
    assert site.request("GET", f"/q/{'G' * 43}/")[0] == 404  # a guess: the limiter degrades

    response = Response.objects.get(client=erin)
    assert response.status == "complete" and response.total is not None  # saved and scored
    assert Packet.objects.get(pk=packet.pk).status == Packet.Status.COMPLETED
    notice = OutboundEmail.objects.get(kind="alert_notice")  # item 9 above 0
    assert notice.status == OutboundEmail.Status.QUEUED

    clinician = DjangoClient()
    clinician.force_login(bob)  # sessions live in the database
    answered = clinician.post(
        reverse("clients:report_request", args=[erin.pk]),
        {"period_start": "2025-01-01", "period_end": "2026-12-31", "audience": "clinical"},
    )
    assert answered.status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.QUEUED
    answered = clinician.post(
        reverse("assessments:assign", args=[erin.pk]),
        {"instruments": [phq9.pk, gad7.pk], "when": "now"},
    )
    assert answered.status_code == 302
    invitation_2 = OutboundEmail.objects.filter(kind="questionnaire_invitation").latest("pk")
    assert invitation_2.pk != invitation.pk
    signing_in = DjangoClient().post(
        reverse("account_login"), {"login": bob.email, "password": PASSWORD}
    )
    assert signing_in.status_code == 429  # no lockout to enforce: refused, not failed

    # A dashboard rebuild asked for now (as a new baseline or an owner's cited values would).
    practice_tasks.request_practice_rebuild(erin.practice_id)
    assert not [entry for entry in site.statuses if entry[1] >= 500], site.statuses

    on_our_redis.start()  # --- Redis is back, and empty --------------------------------------
    assert _queued_tasks(on_our_redis) == []
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        # What beat runs: the sweepers' own tasks, called as the beat's worker would.
        assert sweep_outbound_email.run() == 3
        assert sweep_reports.run() == 1
        assert sweep_progress_rebuilds.run() == 1
    queued = _queued_tasks(on_our_redis)
    # The first invitation's message went down with Redis (no persistence): it is sent again.
    for email in (invitation, notice, invitation_2):
        assert ("practice.tasks.send_outbound_email", f"({email.pk},)") in queued
    assert ("clients.tasks.render_report", f"('{report.pk}',)") in queued
    assert ("practice.tasks.rebuild_practice_progress", f"({erin.practice_id},)") in queued
    assert time.monotonic() - began < 60
