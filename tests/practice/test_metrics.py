"""``/metrics`` for the operator (issue 17): off without a token, 401 without the right bearer
token, and with it Prometheus text holding request latency by view, queue depth and the age of
the oldest waiting work per queue, reports and e-mails by status, open and overdue alerts — and
nothing that names a person."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from assessments.models import Alert, Response
from clients.models import Report
from practice.models import OutboundEmail
from tests.clients.reports_helpers import make_report
from tests.practice.progress_helpers import day, phq9, respond

pytestmark = pytest.mark.django_db
TOKEN = "a-long-random-metrics-token-for-tests"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def samples(response) -> dict:
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_refused_without_the_right_bearer_token(client, metrics_on):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert client.get("/metrics")["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_the_numbers(client, as_bob, metrics_on, erin, bob, practice_a):
    as_bob.get("/dashboard/")
    respond(erin, "phq-9", phq9(20), day(2025, 1, 6))
    response_row = Response.objects.get(client=erin)
    Alert.objects.create(
        practice=practice_a, client=erin, response=response_row, rule_key="a", rule_label="A"
    )
    Alert.objects.create(
        practice=practice_a,
        client=erin,
        response=response_row,
        rule_key="b",
        rule_label="B",
        escalated_at=timezone.now(),
    )
    make_report(erin, bob)  # queued
    make_report(erin, bob, status=Report.Status.FAILED)
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    with time_machine.travel(hour_ago, tick=False):
        OutboundEmail.objects.create(
            practice=practice_a,
            kind="questionnaire_invitation",
            to="erin@client.example",
            subject="Fictional",
            status=OutboundEmail.Status.QUEUED,
        )

    response = client.get("/metrics", **metrics_on)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")  # Prometheus text
    found = samples(response)
    dashboard = (
        "attune_request_latency_seconds_count",
        (("method", "GET"), ("status", "2xx"), ("view", "dashboard")),
    )
    assert found[dashboard] >= 1
    assert found[("attune_alerts", (("state", "open"),))] == 2
    assert found[("attune_alerts", (("state", "overdue"),))] == 1
    assert found[("attune_reports", (("status", "queued"),))] == 1
    assert found[("attune_reports", (("status", "failed"),))] == 1
    assert found[("attune_emails", (("status", "queued"),))] == 1
    assert found[("attune_queue_oldest_waiting_seconds", (("queue", "celery"),))] >= 3500
    assert found[("attune_queue_oldest_waiting_seconds", (("queue", "webhooks"),))] == 0
    assert ("attune_queue_depth", (("queue", "reports"),)) in found
    assert found[("attune_broker_up", ())] == 1
    text = response.content.decode()
    for personal in ("Erin", "erin@client.example", "Fictional", str(erin.pk)):
        assert personal not in text


def test_views_are_named_never_paths(client, as_bob, metrics_on, erin):
    as_bob.get(f"/clients/{erin.pk}/")
    as_bob.get("/no/such/page/")
    text = client.get("/metrics", **metrics_on).content.decode()
    assert 'view="clients:detail"' in text
    assert 'view="unmatched"' in text
    assert str(erin.pk) not in text


@pytest.mark.integration
def test_queue_depth_is_read_from_a_real_redis_broker(client, metrics_on, monkeypatch):
    from practice.celery import app as celery_app
    from tests.integration.services import broker_url_beside, redis_url

    url = broker_url_beside(redis_url())
    monkeypatch.setitem(celery_app.conf, "broker_url", url)
    with celery_app.connection_for_write() as conn:
        producer = conn.Producer()
        for _ in range(3):
            celery_app.send_task(
                "clients.tasks.render_report",
                args=["not-a-report"],
                queue="reports",
                producer=producer,
            )
    try:
        found = samples(client.get("/metrics", **metrics_on))
        assert found[("attune_broker_up", ())] == 1
        assert found[("attune_queue_depth", (("queue", "reports"),))] >= 3
    finally:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge("reports")
