"""Each webhook event is emitted where it happens and reaches a real receiver on loopback, signed
so that the README's ``verify`` accepts it, carrying ids and timestamps only: no name, no answer,
no score."""

import json
import socket
import uuid

import pytest

from assessments import services as assessment_services
from assessments.models import Alert, AlertAction, Response
from clients.reports import services as report_services
from practice import webhooks
from practice.models import WebhookDelivery
from tests.assessments.assign_helpers import answer_everything, phq9_answers, send_now
from tests.clients.reports_helpers import FakeSource, make_report
from tests.practice.webhook_helpers import endpoint_for, readme_verify, receiver


@pytest.fixture(autouse=True)
def loopback(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def hook(practice_a):
    """A receiver on loopback that every event of practice A is sent to."""
    with receiver(200) as state:
        state.endpoint = endpoint_for(practice_a, state.url)
        yield state


def delivered(hook, event: str) -> list[dict]:
    """Send every queued delivery of ``event`` as the worker would; return the bodies the
    receiver got for it, each verified with the README's algorithm."""
    for delivery in WebhookDelivery.objects.filter(event=event, status="queued"):
        webhooks.deliver_webhook.apply(args=[delivery.pk])
    verify = readme_verify()
    bodies = []
    for request in hook.requests:
        if request.headers["Attune-Event"] != event:
            continue
        assert verify(hook.endpoint.secret, request.headers["Attune-Signature"], request.body)
        bodies.append(request.json)
    return bodies


def assert_nothing_personal(body: dict, *texts: str) -> None:
    raw = json.dumps(body)
    for text in texts:
        assert text not in raw, text
    assert set(body) == {"id", "type", "created_at", "practice_id", "data"}
    for name in body["data"]:
        assert name.endswith(("_id", "_ids", "_at")), name


def acknowledge(actor, alert):
    return assessment_services.acknowledge_alert(actor, alert, action=AlertAction.CONTACTED_CLIENT)


@pytest.fixture
def submitted(erin, bob):
    """Erin answered a PHQ-9 with item 9 above 0: a completed questionnaire and an alert."""
    _, packet = send_now(erin, "phq-9", actor=bob)
    answer_everything(packet, overrides=phq9_answers(2))
    (response,) = assessment_services.submit_packet(packet)
    return response


@pytest.mark.django_db
def test_questionnaire_completed_reaches_the_receiver_with_ids_only(hook, erin, submitted):
    (body,) = delivered(hook, "questionnaire.completed")
    response = submitted
    assert body["type"] == "questionnaire.completed"
    assert body["data"] == {
        "client_id": str(erin.pk),
        "packet_id": response.packet_item.packet_id,
        "response_id": response.pk,
        "submitted_at": body["data"]["submitted_at"],
    }
    assert_nothing_personal(body, erin.full_name, "Erin", '"answers"', "score")


@pytest.mark.django_db
def test_alert_raised_reaches_the_receiver_with_ids_only(hook, erin, submitted):
    (body,) = delivered(hook, "alert.raised")
    alert = Alert.objects.get()
    assert body["data"] == {
        "alert_id": alert.pk,
        "client_id": str(erin.pk),
        "response_id": submitted.pk,
        "raised_at": body["data"]["raised_at"],
    }
    assert_nothing_personal(body, erin.full_name, alert.rule_label, "Item 9")


@pytest.mark.django_db
def test_alert_acknowledged_reaches_the_receiver_once(hook, erin, bob, submitted):
    alert = Alert.objects.get()
    acknowledge(bob, alert)
    acknowledge(bob, alert)  # the second one changes nothing
    (body,) = delivered(hook, "alert.acknowledged")
    assert body["data"] == {
        "alert_id": alert.pk,
        "client_id": str(erin.pk),
        "acknowledged_at": body["data"]["acknowledged_at"],
    }
    assert_nothing_personal(body, erin.full_name, bob.full_name, bob.email)


@pytest.mark.django_db
def test_report_ready_reaches_the_receiver_when_the_report_is_ready(
    hook, erin, bob, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = make_report(erin, bob)
    assert delivered(hook, "report.ready") == []  # queued is not ready
    report_services.render(report.pk, source=FakeSource())
    report.refresh_from_db()
    assert report.status == "ready"
    (body,) = delivered(hook, "report.ready")
    assert body["data"] == {
        "report_id": str(report.pk),
        "client_id": str(erin.pk),
        "finished_at": report.finished_at.isoformat().replace("Z", "+00:00"),
    }
    assert_nothing_personal(body, erin.full_name)

    report_services.render(report.pk, source=FakeSource())  # a re-delivered message
    assert WebhookDelivery.objects.filter(event="report.ready").count() == 1


@pytest.mark.django_db
def test_export_ready_is_an_event_the_export_code_can_emit(hook, practice_a, erin):
    """The exports (clients/exports/) emit ``webhooks.EXPORT_READY`` when an export finishes."""
    export_id = uuid.uuid4()
    webhooks.emit(practice_a.pk, webhooks.EXPORT_READY, export_id=export_id, client_id=erin.pk)
    (body,) = delivered(hook, "export.ready")
    assert body["data"] == {"export_id": str(export_id), "client_id": str(erin.pk)}


@pytest.mark.django_db
def test_a_receiver_that_is_down_never_blocks_a_submission(practice_a, erin, bob, monkeypatch):
    """The submission only writes delivery rows: nothing is sent in its transaction, and the
    worker that sends them fails fast against a dead port and keeps them for a retry."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    endpoint_for(practice_a, f"http://127.0.0.1:{dead}/hook")
    called = []
    monkeypatch.setattr(webhooks, "post", lambda *args: called.append(args))
    _, packet = send_now(erin, "phq-9", actor=bob)
    answer_everything(packet, overrides=phq9_answers(1))
    assessment_services.submit_packet(packet)
    assert called == []  # nothing left the machine during the submission
    assert Response.objects.filter(client=erin).exists()
    assert WebhookDelivery.objects.filter(endpoint__url__contains=str(dead)).count() >= 2
