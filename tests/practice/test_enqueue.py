"""A broker that is down never fails a request and loses nothing (issue 11, defect 5).

Every enqueue goes through ``practice.queue.enqueue_on_commit``: with the broker refusing every
publish, the clinician's report request and "send now", and the client's submission, still
answer with their usual redirect, their rows are saved, and the beat sweepers send the work once
the broker takes messages again.
"""

import datetime
import logging
import re

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from assessments.models import Alert, Packet, Response
from clients.models import Report
from clients.reports import services as reports
from practice import emails
from practice import tasks as practice_tasks
from practice.celery import app as celery_app
from practice.dashboard import progress
from practice.models import OutboundEmail, Practice
from practice.queue import enqueue_on_commit, publish
from tests.assessments.assign_helpers import (
    answer_everything,
    at,
    cleared,
    phq9_answers,
    send_now,
    token_of,
)

NOW = at(2025, 3, 3, 10)
LATER = NOW + datetime.timedelta(minutes=10)  # past every sweeper's "stuck after"


class Broker:
    """Stands in for ``app.send_task``: refuses every message while down, records them when up.
    Everything above it (``delay``, ``apply_async``, routing) runs for real."""

    def __init__(self):
        self.up = False
        self.sent: list[tuple[str, list]] = []

    def send_task(self, name, args=None, *rest, **options):
        if not self.up:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append((name, list(args or ())))


@pytest.fixture
def broker(monkeypatch):
    fake = Broker()
    monkeypatch.setattr(celery_app, "send_task", fake.send_task)
    return fake


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_publish_logs_the_ids_only_and_reports_failure(broker, caplog):
    with caplog.at_level(logging.WARNING, logger="practice.queue"):
        assert publish(practice_tasks.send_outbound_email, 42) is False
    [record] = caplog.records
    assert "practice.tasks.send_outbound_email[42]" in record.getMessage()
    assert "stays queued" in record.getMessage()
    broker.up = True
    assert publish(practice_tasks.send_outbound_email, 42) is True
    assert broker.sent == [("practice.tasks.send_outbound_email", [42])]


@pytest.mark.django_db
def test_enqueue_waits_for_the_commit_and_swallows_a_broker_error(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(practice_tasks.send_outbound_email, 7)
        assert broker.sent == []  # nothing before the commit
    assert len(callbacks) == 1  # ran at commit, and raised nothing


@pytest.mark.django_db
def test_an_unexpected_error_at_commit_is_logged_not_raised(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broken(*args):
        raise RuntimeError("serializer trouble")

    monkeypatch.setattr(practice_tasks.send_outbound_email, "delay", broken)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(practice_tasks.send_outbound_email, 7)
    assert "serializer trouble" in caplog.text


@pytest.mark.django_db
def test_a_report_request_succeeds_and_the_sweeper_sends_it(
    broker, as_bob, erin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_bob.post(
            reverse("clients:report_request", args=[erin.pk]),
            {"period_start": "2026-01-01", "period_end": "2026-06-30", "audience": "clinical"},
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:report_detail", args=[erin.pk, report.pk])
    assert report.status == Report.Status.QUEUED
    assert broker.sent == []

    broker.up = True
    with django_capture_on_commit_callbacks(execute=True):
        reports.sweep(now=timezone.now() + datetime.timedelta(minutes=10))
    assert broker.sent == [("clients.tasks.render_report", [str(report.pk)])]


@pytest.mark.django_db
def test_sending_questionnaires_now_succeeds_and_the_sweeper_sends_the_email(
    broker, as_bob, erin, frozen, django_capture_on_commit_callbacks
):
    phq9, gad7 = cleared(erin.practice, "phq-9", "gad-7")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_bob.post(
            reverse("assessments:assign", args=[erin.pk]),
            {"instruments": [phq9.pk, gad7.pk], "when": "now"},
        )
    assert response.status_code == 302
    email = OutboundEmail.objects.get()
    assert email.status == OutboundEmail.Status.QUEUED
    assert Packet.objects.get(client=erin).last_email == email
    assert broker.sent == []

    broker.up = True
    with django_capture_on_commit_callbacks(execute=True):
        assert emails.requeue_stuck_emails(now=LATER) == [email.pk]
    assert broker.sent == [("practice.tasks.send_outbound_email", [email.pk])]


@pytest.mark.django_db
def test_a_clients_submission_is_saved_scored_and_its_alert_email_swept(
    broker, erin, frozen, django_capture_on_commit_callbacks
):
    """PHQ-9 with item 9 above 0: the response is stored and scored, the alert raised, and the
    clinician's notice (queued after the commit) is sent by the sweeper later."""
    _, packet = send_now(erin, "phq-9", now=NOW)
    token = token_of(packet)
    answer_everything(packet, overrides=phq9_answers(item9=2), now=NOW)
    browser = Browser()
    browser.post(reverse("questionnaire:landing", args=[token]))
    last = reverse("questionnaire:page", args=[token, 2])
    names = set(re.findall(r'name="(item-\d+)"', browser.get(last).content.decode()))
    answers = {name: "2" if name == "item-9" else "1" for name in names}
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(last, {**answers, "action": "submit"}, follow=True)
    # Item 9 above 0: the submission redirects to the crisis page.
    assert response.status_code == 200 and "/support/" in response.redirect_chain[-1][0]
    assert "Call your local emergency number now" in response.content.decode()
    saved = Response.objects.get(client=erin)
    assert saved.status == "complete" and saved.total is not None  # stored and scored
    assert Alert.objects.filter(client=erin).exists()
    notice = OutboundEmail.objects.get(kind="alert_notice")
    assert notice.status == OutboundEmail.Status.QUEUED
    assert broker.sent == []

    broker.up = True
    with django_capture_on_commit_callbacks(execute=True):
        assert notice.pk in emails.requeue_stuck_emails(now=LATER)
    assert ("practice.tasks.send_outbound_email", [notice.pk]) in broker.sent


@pytest.mark.django_db
def test_a_practice_rebuild_outlives_a_lost_message(
    broker, practice_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        practice_tasks.request_practice_rebuild(practice_a.pk)
    requested = Practice.objects.get(pk=practice_a.pk).progress_rebuild_requested_at
    assert requested is not None  # the request is in the database, the message was lost
    assert progress.requeue_stuck_rebuilds(now=requested + datetime.timedelta(minutes=1)) == []

    broker.up = True
    later = requested + progress.REBUILD_STUCK_AFTER + datetime.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert progress.requeue_stuck_rebuilds(now=later) == [practice_a.pk]
    assert broker.sent == [("practice.tasks.rebuild_practice_progress", [practice_a.pk])]
    # The next sweep leaves it alone while it waits in the queue; the rebuild clears it.
    assert progress.requeue_stuck_rebuilds(now=later + datetime.timedelta(minutes=1)) == []
    practice_tasks.rebuild_practice_progress.run(practice_a.pk)
    assert Practice.objects.get(pk=practice_a.pk).progress_rebuild_requested_at is None


@pytest.mark.django_db
def test_a_rebuild_asked_for_while_one_runs_is_kept(practice_a, monkeypatch):
    Practice.objects.filter(pk=practice_a.pk).update(progress_rebuild_requested_at=NOW)

    def rebuild_while_asked_again(practice_id):
        Practice.objects.filter(pk=practice_id).update(progress_rebuild_requested_at=LATER)
        return 0

    monkeypatch.setattr(progress, "rebuild_progress", rebuild_while_asked_again)
    progress.rebuild_requested(practice_a.pk)
    assert Practice.objects.get(pk=practice_a.pk).progress_rebuild_requested_at == LATER


def test_every_kind_of_queued_work_has_a_sweeper(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "practice.tasks.sweep_outbound_email",
        "clients.tasks.sweep_reports",
        "practice.tasks.sweep_progress_rebuilds",
        "assessments.tasks.dispatch_due_questionnaires",
        "practice.tasks.sweep_webhook_deliveries",
        "clients.tasks.sweep_client_imports",
    } <= tasks


def test_sessions_do_not_live_in_the_cache(settings):
    """A Redis outage must not sign everyone out: sessions are in the database."""
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
