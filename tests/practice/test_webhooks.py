"""Webhook deliveries: emitted as rows, signed, sent to a real receiver on loopback, retried with
backoff, never blocked by a receiver that is down, swept when lost, and refused for addresses
inside private networks."""

import datetime
import socket
import time
import uuid

import pytest
import time_machine
from django.utils import timezone

from practice import queue, webhooks
from practice.models import WebhookAttempt, WebhookDelivery
from practice.tasks import sweep_webhook_deliveries
from tests.practice.webhook_helpers import endpoint_for, readme_verify, receiver

pytestmark = pytest.mark.usefixtures("loopback")

Status = WebhookDelivery.Status


@pytest.fixture
def loopback(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def sent(monkeypatch):
    """The delivery ids handed to the broker (enqueued on commit)."""
    published = []
    monkeypatch.setattr(webhooks.deliver_webhook, "delay", lambda *args: published.append(args))
    return published


def emit_alert(practice, **ids):
    return webhooks.emit(
        practice.pk,
        webhooks.ALERT_RAISED,
        alert_id=ids.get("alert_id", 7),
        client_id=ids.get("client_id", uuid.UUID(int=5)),
        raised_at=ids.get("raised_at", timezone.now()),
    )


def dead_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Emitting -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_emit_writes_one_row_per_endpoint_that_chose_the_event_and_enqueues_on_commit(
    practice_a, practice_b, sent, django_capture_on_commit_callbacks
):
    wants = endpoint_for(practice_a, "http://127.0.0.1:1/a", [webhooks.ALERT_RAISED])
    endpoint_for(practice_a, "http://127.0.0.1:1/b", [webhooks.REPORT_READY])
    endpoint_for(practice_a, "http://127.0.0.1:1/c", is_active=False)
    endpoint_for(practice_b, "http://127.0.0.1:1/d")

    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = emit_alert(practice_a)
        assert sent == []  # nothing leaves before the transaction commits
    assert sent == [(delivery.pk,)]
    assert (delivery.endpoint, delivery.status, delivery.attempts) == (wants, Status.QUEUED, 0)


@pytest.mark.django_db
def test_a_practice_without_endpoints_writes_nothing(practice_a, sent):
    assert emit_alert(practice_a) == []
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_payload_is_ids_and_timestamps_only(practice_a):
    endpoint_for(practice_a, "http://127.0.0.1:1/a")
    client_id = uuid.uuid4()
    moment = datetime.datetime(
        2026, 5, 1, 10, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    (delivery,) = emit_alert(practice_a, alert_id=812, client_id=client_id, raised_at=moment)
    assert delivery.payload == {
        "id": str(delivery.event_id),
        "type": "alert.raised",
        "created_at": delivery.payload["created_at"],
        "practice_id": practice_a.pk,
        "data": {
            "alert_id": 812,
            "client_id": str(client_id),
            "raised_at": "2026-05-01T09:12:00+00:00",
        },
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ids",
    [
        {"client_name": "Erin"},
        {"client_id": "Erin Fictional"},
        {"answers_at": "2026-05-01"},
        {"score_id": 12.5},
        {"response_ids": ["Erin"]},
    ],
)
def test_anything_but_ids_and_timestamps_is_refused(practice_a, ids):
    endpoint_for(practice_a, "http://127.0.0.1:1/a")
    with pytest.raises(TypeError, match="ids"):
        webhooks.emit(practice_a.pk, webhooks.ALERT_RAISED, **ids)
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_unknown_events_are_refused(practice_a):
    with pytest.raises(ValueError, match="Unknown webhook event"):
        webhooks.emit(practice_a.pk, "client.renamed", client_id=1)


# --- Delivering ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_receiver_gets_a_signed_event_it_verifies_with_the_readme_algorithm(practice_a):
    verify = readme_verify()
    with receiver(200) as hook:
        endpoint = endpoint_for(practice_a, hook.url)
        (delivery,) = emit_alert(practice_a)
        webhooks.deliver_webhook.apply(args=[delivery.pk])

    (request,) = hook.requests
    assert request.path == "/hooks/attune"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Attune-Event"] == "alert.raised"
    assert request.headers["Attune-Delivery"] == str(delivery.pk)
    assert request.json == delivery.payload
    signature = request.headers["Attune-Signature"]
    assert verify(endpoint.secret, signature, request.body)
    assert not verify("whsec_wrong", signature, request.body)
    assert not verify(endpoint.secret, signature, request.body.replace(b"7", b"8"))
    with time_machine.travel(time.time() + 301):
        assert not verify(endpoint.secret, signature, request.body)  # a replay, later

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.DELIVERED,
        1,
        200,
    )
    assert delivery.delivered_at is not None
    (attempt,) = delivery.tries.all()
    assert (attempt.number, attempt.status_code, attempt.response_excerpt) == (1, 200, "status 200")


@pytest.mark.django_db
def test_a_500_is_retried_with_backoff_until_the_receiver_takes_it(practice_a, monkeypatch):
    waits = []
    real_retry = webhooks.deliver_webhook.retry

    def recording_retry(*args, **kwargs):
        waits.append(kwargs.get("countdown"))
        return real_retry(*args, **kwargs)

    monkeypatch.setattr(webhooks.deliver_webhook, "retry", recording_retry)
    with receiver(500, 503, 200) as hook:
        endpoint_for(practice_a, hook.url)
        (delivery,) = emit_alert(practice_a)
        # Eagerly, Celery's autoretry runs the retries at once; a worker would wait each time.
        webhooks.deliver_webhook.apply(args=[delivery.pk])

    assert len(hook.requests) == 3
    assert len({r.headers["Attune-Signature"] for r in hook.requests}) >= 1
    assert {r.json["id"] for r in hook.requests} == {str(delivery.event_id)}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 3)
    codes = list(delivery.tries.order_by("number").values_list("number", "status_code"))
    assert codes == [(1, 500), (2, 503), (3, 200)]
    # Full jitter under a doubling ceiling: the first wait at most 30 s, the second at most 60 s.
    assert len(waits) == 2
    assert 0 <= waits[0] <= 30 and 0 <= waits[1] <= 60


@pytest.mark.django_db
def test_after_a_failed_attempt_the_row_waits_for_its_retry_with_a_due_time(practice_a):
    with receiver(502) as hook:
        endpoint_for(practice_a, hook.url)
        (delivery,) = emit_alert(practice_a)
        before = timezone.now()
        with pytest.raises(webhooks.TransientDeliveryError):
            webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.QUEUED,
        1,
        502,
    )
    assert before + datetime.timedelta(seconds=29) < delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=30)


@pytest.mark.django_db
def test_a_4xx_fails_at_once_and_the_last_attempt_gives_up(practice_a, practice_b):
    with receiver(410) as hook:
        endpoint_for(practice_a, hook.url)
        (gone,) = emit_alert(practice_a)
        webhooks.deliver(gone.pk)
    gone.refresh_from_db()
    assert (gone.status, gone.attempts, gone.last_status_code) == (Status.FAILED, 1, 410)

    with receiver(500) as hook:
        endpoint_for(practice_b, hook.url, [webhooks.REPORT_READY])
        (tired,) = webhooks.emit(practice_b.pk, webhooks.REPORT_READY, report_id=uuid.uuid4())
        WebhookDelivery.objects.filter(pk=tired.pk).update(attempts=webhooks.MAX_ATTEMPTS - 1)
        webhooks.deliver(tired.pk)  # the last attempt: no retry raised
    tired.refresh_from_db()
    assert (tired.status, tired.attempts) == (Status.FAILED, webhooks.MAX_ATTEMPTS)


@pytest.mark.django_db
def test_a_delivered_row_is_never_sent_twice(practice_a):
    with receiver(200) as hook:
        endpoint_for(practice_a, hook.url)
        (delivery,) = emit_alert(practice_a)
        webhooks.deliver(delivery.pk)
        webhooks.deliver(delivery.pk)  # a re-delivered message
    assert len(hook.requests) == 1


@pytest.mark.django_db
def test_a_dead_port_fails_fast_and_is_kept_for_a_retry(practice_a):
    endpoint_for(practice_a, f"http://127.0.0.1:{dead_port()}/hook")
    (delivery,) = emit_alert(practice_a)
    started = time.monotonic()
    with pytest.raises(webhooks.TransientDeliveryError):
        webhooks.deliver(delivery.pk)
    assert time.monotonic() - started < 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (Status.QUEUED, "ConnectionRefusedError")
    assert delivery.tries.get().status_code is None


@pytest.mark.django_db
def test_a_receiver_that_never_answers_is_given_up_on_after_the_timeout(practice_a, monkeypatch):
    monkeypatch.setattr(webhooks, "READ_TIMEOUT", 0.3)
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        endpoint_for(practice_a, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        (delivery,) = emit_alert(practice_a)
        started = time.monotonic()
        with pytest.raises(webhooks.TransientDeliveryError):
            webhooks.deliver(delivery.pk)
        assert time.monotonic() - started < 2
    delivery.refresh_from_db()
    assert delivery.last_error in {"TimeoutError", "timeout"}


@pytest.mark.django_db
def test_a_turned_off_endpoint_is_sent_nothing(practice_a):
    with receiver(200) as hook:
        endpoint = endpoint_for(practice_a, hook.url)
        (delivery,) = emit_alert(practice_a)
        endpoint.is_active = False
        endpoint.save()
        webhooks.deliver(delivery.pk)
    assert hook.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (Status.FAILED, "EndpointTurnedOff")


@pytest.mark.django_db
def test_the_response_is_kept_as_a_short_excerpt_only(practice_a, monkeypatch):
    monkeypatch.setattr(
        webhooks, "post", lambda url, body, headers: webhooks.Outcome(200, excerpt="x" * 1000)
    )
    endpoint_for(practice_a, "http://127.0.0.1:1/")
    (delivery,) = emit_alert(practice_a)
    webhooks.deliver(delivery.pk)
    assert WebhookAttempt.objects.get().response_excerpt == "x" * 200
    assert webhooks._excerpt(b"a\x00b\n" + b"y" * 500) == "a b " + "y" * 196


# --- A broker or a receiver that is down blocks nothing ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_loses_nothing_and_the_sweeper_sends_it(practice_a, monkeypatch):
    def broker_down(*args):
        raise OSError("connection refused")

    monkeypatch.setattr(webhooks.deliver_webhook, "delay", broker_down)
    endpoint_for(practice_a, "http://127.0.0.1:1/")
    (delivery,) = emit_alert(practice_a)  # autocommit: enqueued at once, and refused
    assert queue.BROKER_ERRORS
    delivery.refresh_from_db()
    assert delivery.status == Status.QUEUED

    sent = []
    monkeypatch.setattr(webhooks.deliver_webhook, "delay", lambda *args: sent.append(args))
    assert sweep_webhook_deliveries() == 0  # not stuck yet
    later = timezone.now() + webhooks.STUCK_AFTER + datetime.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert sweep_webhook_deliveries() == 1
        assert sweep_webhook_deliveries() == 0  # its due time moved to now
    assert sent == [(delivery.pk,)]


@pytest.mark.django_db
def test_the_sweeper_takes_back_a_delivery_whose_worker_died(practice_a):
    endpoint_for(practice_a, "http://127.0.0.1:1/")
    (lost, spent) = emit_alert(practice_a) + emit_alert(practice_a)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    WebhookDelivery.objects.filter(pk=lost.pk).update(
        status=Status.SENDING, attempts=2, next_attempt_at=long_ago
    )
    WebhookDelivery.objects.filter(pk=spent.pk).update(
        status=Status.SENDING, attempts=webhooks.MAX_ATTEMPTS, next_attempt_at=long_ago
    )
    assert webhooks.requeue_stuck_deliveries() == [lost.pk]
    lost.refresh_from_db()
    spent.refresh_from_db()
    assert lost.status == Status.QUEUED
    assert (spent.status, spent.last_error) == (Status.FAILED, "WorkerLost")


# --- Addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",  # loopback
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.5/hook",  # private networks
        "https://192.168.1.20/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped
        "https://[fd00::1]/hook",  # unique local
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://0.0.0.0/hook",
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused_in_production(settings, url):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(webhooks.ValidationError, match=r"public addresses only|https://"):
        webhooks.check_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.215.14/hook", "HTTPS only"),  # public, but not HTTPS
        ("ftp://93.184.215.14/hook", "https://"),
        ("https://user:secret@93.184.215.14/hook", "user name and password"),
        ("https://93.184.215.14:99999/hook", "port"),
        ("https://name.invalid/hook", "could not be found"),
    ],
)
def test_other_bad_urls_are_refused_with_a_reason(settings, url, message):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(webhooks.ValidationError, match=message):
        webhooks.check_url(url)


def test_a_public_https_address_is_accepted(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    webhooks.check_url("https://93.184.215.14/hooks/attune?source=attune")


def test_the_setting_admits_loopback_over_http_but_never_private_networks(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    webhooks.check_url("http://127.0.0.1:8000/hook")
    webhooks.check_url("http://localhost:8000/hook")
    with pytest.raises(webhooks.ValidationError):
        webhooks.check_url("https://10.0.0.5/hook")
    with pytest.raises(webhooks.ValidationError, match="HTTPS only"):
        webhooks.check_url("http://93.184.215.14/hook")


@pytest.mark.django_db
def test_an_address_that_turned_private_is_refused_at_delivery(practice_a, settings, monkeypatch):
    """A name that resolved to a public address when saved and to a private one now (DNS
    rebinding) is checked again at every attempt, and not retried."""
    endpoint_for(practice_a, "https://hooks.example.org/attune")
    (delivery,) = emit_alert(practice_a)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    monkeypatch.setattr(
        webhooks.socket,
        "getaddrinfo",
        lambda *args, **kwargs: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))],
    )
    webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (Status.FAILED, "AddressNotAllowed")


@pytest.mark.django_db
def test_finished_deliveries_are_pruned_after_their_keeping_time(practice_a):
    from practice.tasks import prune_webhook_deliveries

    endpoint_for(practice_a, "http://127.0.0.1:1/")
    old_done, old_failed, old_queued, recent_done = (emit_alert(practice_a)[0] for _ in range(4))
    WebhookAttempt.objects.create(delivery=old_done, number=1, status_code=200)
    long_ago = timezone.now() - webhooks.KEEP_DELIVERIES - datetime.timedelta(minutes=1)
    for delivery, status in (
        (old_done, Status.DELIVERED),
        (old_failed, Status.FAILED),
        (old_queued, Status.QUEUED),
    ):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=status, created_at=long_ago)
    WebhookDelivery.objects.filter(pk=recent_done.pk).update(status=Status.DELIVERED)

    assert prune_webhook_deliveries() == 2
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {
        old_queued.pk,
        recent_done.pk,
    }
    assert not WebhookAttempt.objects.exists()


@pytest.mark.django_db
def test_a_delivery_whose_endpoint_was_deleted_meanwhile_is_dropped(practice_a, monkeypatch):
    endpoint = endpoint_for(practice_a, "http://127.0.0.1:1/")
    (delivery,) = emit_alert(practice_a)
    real_select_related = WebhookDelivery.objects.select_related

    def deleted_after_the_claim(*args):  # the read that follows the claim
        endpoint.delete()
        return real_select_related(*args)

    monkeypatch.setattr(WebhookDelivery.objects, "select_related", deleted_after_the_claim)
    monkeypatch.setattr(webhooks, "post", lambda *args: pytest.fail("nothing is sent"))
    webhooks.deliver(delivery.pk)
    assert not WebhookDelivery.objects.exists()
