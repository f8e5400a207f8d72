"""Each webhook event is emitted where it happens and reaches a real receiver on loopback, signed
so that the README's ``verify`` accepts it, carrying ids and timestamps only: no name, no answer,
no score."""

import json
import uuid

import pytest

from clients.reports import services as report_services
from practice import webhooks
from practice.models import WebhookDelivery
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
